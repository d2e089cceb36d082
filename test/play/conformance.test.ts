// The same plays under the real ansible-playbook and under `rollcall play`: per host, which tasks
// ran and their outcome (and message), the recap counts, and the exit code must match.
// Runs whenever ansible-playbook is installed; required (fails) when CI=true.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostStats, PlayEvent } from "../../src/play/events.js";
import { ansibleEnv, hasAnsible, parseAnsibleJson } from "../helpers/ansible.js";
import { play, tempDir } from "./support.js";

const HOSTS = "h1,h2,h3,h4,h5,h6,h7,";
const SCENARIOS = join(import.meta.dirname, "conformance");

const ansible = hasAnsible ? "ansible-playbook" : undefined;

/** Pick one side of every ⟪jinja¦handlebars⟫ marker. */
function forEngine(text: string, engine: "jinja" | "handlebars"): string {
  return text.replace(/⟪([^¦⟫]*)¦([^⟫]*)⟫/g, (_, j: string, h: string) => (engine === "jinja" ? j : h));
}

interface Trace {
  code: number;
  /** host → ["task name: outcome (msg)", …] in run order */
  hosts: Record<string, string[]>;
  stats: Record<string, HostStats>;
}

function outcomeOf(r: {
  failed?: unknown;
  skipped?: unknown;
  changed?: unknown;
  unreachable?: unknown;
}): string {
  if (r.unreachable) return "unreachable";
  if (r.failed) return "failed";
  if (r.skipped) return "skipped";
  return r.changed ? "changed" : "ok";
}

function line(task: string, r: Record<string, unknown>): string {
  // An unreachable host's message is the SSH client's own wording: only the outcome is compared.
  const msg = typeof r.msg === "string" && r.msg && !r.unreachable ? ` (${r.msg})` : "";
  const elapsed = typeof r.elapsed === "number" ? ` [elapsed ${r.elapsed}]` : "";
  return `${task}: ${outcomeOf(r)}${msg}${elapsed}`;
}

function ansibleTrace(stdout: string, code: number): Trace {
  // A play that does not parse (or a bad option) prints no document: nothing ran.
  if (!/^\{/m.test(stdout)) return { code, hosts: {}, stats: {} };
  const doc = parseAnsibleJson(stdout);
  const hosts: Record<string, string[]> = {};
  for (const p of doc.plays) {
    for (const t of p.tasks) {
      for (const [h, r] of Object.entries(t.hosts)) {
        hosts[h] ??= [];
        hosts[h].push(line(t.task.name, r));
      }
    }
  }
  const stats: Record<string, HostStats> = {};
  for (const [h, s] of Object.entries(doc.stats)) {
    stats[h] = {
      ok: s.ok!,
      changed: s.changed!,
      unreachable: s.unreachable!,
      failed: s.failures!,
      skipped: s.skipped!,
      rescued: s.rescued!,
      ignored: s.ignored!,
    };
  }
  return { code, hosts, stats };
}

function rollcallTrace(events: PlayEvent[], code: number): Trace {
  const hosts: Record<string, string[]> = {};
  let stats: Record<string, HostStats> = {};
  for (const e of events) {
    if (e.type === "task_result") {
      hosts[e.host] ??= [];
      hosts[e.host]!.push(
        line(e.task.name, { ...e.result, failed: e.status === "failed", skipped: e.status === "skipped" }),
      );
    }
    if (e.type === "playbook_end") stats = e.stats;
  }
  return { code, hosts, stats };
}

function runAnsible(file: string, args: string[], dir: string, inventory: string): Promise<Trace> {
  const env = ansibleEnv(dir);
  return new Promise((resolve, reject) => {
    execFile(
      ansible!,
      ["-i", inventory, file, ...args],
      { cwd: dir, env, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: number }).code : 0;
        if (typeof code !== "number") return reject(new Error(`ansible-playbook failed: ${stderr}`));
        resolve(ansibleTrace(stdout, code));
      },
    );
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("conformance with ansible-playbook", () => {
  it("has ansible-playbook when CI=true", () => {
    if (process.env.CI === "true") expect(ansible, "ansible-playbook is required when CI=true").toBeDefined();
  });

  const scenarios: string[] = [];
  let banner: Server;
  let work: { dir: string; cleanup: () => Promise<void> };
  const results = new Map<string, { ansible: Trace; rollcall: Trace }>();

  beforeAll(async () => {
    if (!ansible) return;
    work = await tempDir();
    banner = createServer((sock) => {
      sock.on("error", () => {});
      sock.end("HELLO\nREADY\n");
    });
    await new Promise<void>((r) => banner.listen(0, "127.0.0.1", r));
    const openPort = (banner.address() as { port: number }).port;
    const closedPort = await freePort();
    scenarios.push(...(await readdir(SCENARIOS)).filter((f) => f.endsWith(".yml")).sort());
    // Two at a time: ansible-playbook is CPU-heavy to start and CI has two cores.
    const queue = [...scenarios];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const text = await readFile(join(SCENARIOS, name), "utf8");
        const iniFile = join(SCENARIOS, name.replace(/\.yml$/, ".ini"));
        const inventory = existsSync(iniFile) ? iniFile : HOSTS;
        const extra = /^# args: (.*)$/m.exec(text)?.[1]?.split(" ") ?? [];
        const dir = join(work.dir, name.replace(/\.yml$/, ""));
        await mkdir(join(dir, "ansible"), { recursive: true });
        await mkdir(join(dir, "rollcall"), { recursive: true });
        const args = (engine: string) => [
          ...extra,
          "-e",
          `tmp=${join(dir, engine)}`,
          "-e",
          `open_port=${openPort}`,
          "-e",
          `closed_port=${closedPort}`,
        ];
        await writeFile(join(dir, "play.yml"), forEngine(text, "jinja"));
        const a = await runAnsible("play.yml", args("ansible"), dir, inventory);
        const r = await play(dir, forEngine(text, "handlebars"), [
          "-i",
          inventory,
          "--json",
          ...args("rollcall"),
        ]);
        results.set(name, { ansible: a, rollcall: rollcallTrace(r.events, r.code) });
      }
    };
    await Promise.all([worker(), worker()]);
  }, 300_000);

  afterAll(async () => {
    banner?.close();
    await work?.cleanup();
  });

  for (const name of [
    "a-serial-int-basics.yml",
    "b-serial-percent-boundary.yml",
    "c-serial-list-max-fail.yml",
    "d-any-errors-fatal.yml",
    "e-blocks.yml",
    "f-batch-all-failed.yml",
    "g-wait-for.yml",
    "h-failed-unreachable.yml",
    "i-parse-error.yml",
    "j-unknown-module.yml",
    "k-bad-option.yml",
    "l-block-delegate-kv.yml",
  ]) {
    it.runIf(ansible)(`${name}: same tasks, outcomes, recap and exit code`, () => {
      const r = results.get(name);
      expect(r, `scenario ${name} did not run`).toBeDefined();
      if (process.env.SHOW_TRACES) console.log(name, JSON.stringify(r, null, 1));
      expect(r!.rollcall.hosts).toEqual(r!.ansible.hosts);
      expect(r!.rollcall.stats).toEqual(r!.ansible.stats);
      expect(r!.rollcall.code).toBe(r!.ansible.code);
    });
  }
});
