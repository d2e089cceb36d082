// Shared by the recycle tests: a small stateful group in an in-process simulator, an inventory
// config for it, a private HOME/state/cache dir, and the timeline questions the tests ask.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../../../src/cli/main.js";
import { fleetSchema } from "../../../src/sim/fleet.js";
import {
  type FleetInput,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  type TimelineEvent,
} from "../../../src/sim/index.js";
import { memoryContext } from "../support.js";

export const TOKEN = "recycle-test-token-7f3a9c";
export const ACCOUNT = "act-7e570001";
export const GROUP = "sig-7e570001";
export const SSIS = ["ssi-7e570001", "ssi-7e570002", "ssi-7e570003"];
export const PLAYBOOK = resolve("playbooks/recycle-esg.yml");
/** Fast polls for a fast simulator; the playbook's defaults are for the real API. */
export const FAST = ["-e", "recycle_poll_interval=0.02", "-e", "recycle_port_timeout=5"];

export function recycleFleet(count = SSIS.length): FleetInput {
  return {
    timings: { accept: 2, recycle: { stop: 20, start: 40 }, boot: 5 },
    accounts: [
      {
        id: ACCOUNT,
        token: TOKEN,
        groups: [
          {
            id: GROUP,
            name: "kafka-prod",
            persist_root_volume: true,
            ports: [
              { port: 9092, banner: "kafka broker ready" },
              { port: 8778, http_path: "/jolokia/" },
            ],
            instances:
              count === SSIS.length
                ? SSIS.map((id) => ({ id }))
                : Array.from({ length: count }, (_, i) => ({ id: `ssi-${(0x7e580000 + i).toString(16)}` })),
          },
        ],
      },
    ],
  };
}

/**
 * startSimulator, again on EADDRINUSE: a simulator of another process that does not take the
 * /16 lock (the standalone AWS fake, an older build someone runs) may hold our 127.N block.
 */
export async function startSim(options: SimulatorOptions): Promise<Simulator> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSimulator(options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 5) throw err;
    }
  }
}

export interface RecycleRig {
  sim: Simulator;
  dir: string;
  env: Record<string, string>;
  inventory: string;
  /** `rollcall play PLAYBOOK -i inventory …args` in-process. */
  play(args: string[], signal?: AbortSignal, playbook?: string): Promise<{ code: number; out: string }>;
  /** Everything under the state and cache dirs, concatenated (journals, cache file). */
  stateFiles(): Promise<string>;
  close(): Promise<void>;
}

export async function startRig(
  o: { timeScale?: number; fleet?: FleetInput; rateLimit?: number; configToken?: boolean } = {},
): Promise<RecycleRig> {
  const sim = await startSim({
    fleet: fleetSchema.parse(o.fleet ?? recycleFleet()),
    timeScale: o.timeScale ?? 1000,
    ...(o.rateLimit !== undefined && { rateLimit: o.rateLimit }),
  });
  const dir = await mkdtemp(join(tmpdir(), "rollcall-recycle-"));
  const env: Record<string, string> = {
    ...sim.env,
    HOME: dir,
    XDG_STATE_HOME: join(dir, "state"),
    XDG_CACHE_HOME: join(dir, "cache"),
  };
  const inventory = join(dir, "inventory.yml");
  const token = o.configToken ? `    token: ${TOKEN}\n` : "";
  await writeFile(inventory, `sources:\n  - type: spotinst\n    name: sim\n${token}cache:\n  ttl: 300\n`);
  return {
    sim,
    dir,
    env,
    inventory,
    async play(args, signal, playbook = PLAYBOOK) {
      const ctx = memoryContext(dir, env);
      const code = await runCli(["play", playbook, "-i", inventory, ...args], ctx, {
        play: { showElapsed: false, ...(signal && { signal }) },
      });
      return { code, out: ctx.out.join("") + ctx.err.join("") };
    },
    stateFiles: async () => (await readTree(join(dir, "state"))) + (await readTree(join(dir, "cache"))),
    async close() {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function readTree(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), "latin1")),
  );
  return texts.join("\n");
}

/** Accepted API actions (not out-of-band ones), in order. */
export function apiActions(timeline: readonly TimelineEvent[]): TimelineEvent[] {
  return timeline.filter((e) => e.type === "action" && e.detail.source === "api");
}

export interface OutInterval {
  ssi: string;
  /** Left ACTIVE. */
  from: number;
  /** Its service port (9092) open again, and on which address. */
  to: number;
  ip: string;
}

/** DESIGN/README: an SSI is "out" from leaving ACTIVE until its port listens again. */
export function outIntervals(timeline: readonly TimelineEvent[], port = 9092): OutInterval[] {
  const out: OutInterval[] = [];
  const open = new Map<string, number>();
  for (const e of timeline) {
    if (e.type === "state" && e.detail.from === "ACTIVE" && e.detail.to !== "ACTIVE")
      open.set(e.subject, e.at);
    if (e.type === "listen-open" && e.detail.port === port && open.has(e.subject)) {
      out.push({ ssi: e.subject, from: open.get(e.subject)!, to: e.at, ip: String(e.detail.ip) });
      open.delete(e.subject);
    }
  }
  for (const [ssi, from] of open) out.push({ ssi, from, to: Number.POSITIVE_INFINITY, ip: "" });
  return out;
}

export function overlaps(intervals: readonly OutInterval[]): boolean {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  return sorted.some((iv, i) => i > 0 && iv.from < sorted[i - 1]!.to);
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}
