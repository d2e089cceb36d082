// Shared pieces of the asg_recycle tests: the simulator at a high time scale, an inventory that
// reads only its ASGs, running `rollcall play` in-process, and reading the simulator's timeline.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlaySeams } from "../../../src/cli/context.js";
import { runCli } from "../../../src/cli/main.js";
import { type AwsApi, createAwsApi } from "../../../src/cloud/aws/api.js";
import type { PlayEvent } from "../../../src/play/events.js";
import { findAsg, isOutdated, type SimAsg } from "../../../src/sim/aws/index.js";
import { type Simulator, startSimulator } from "../../../src/sim/index.js";
import { memoryContext } from "../support.js";

export const REGION = "us-east-1";
export const ASG = "kafka-asg-prod";
/** 1 real ms = 1 simulated s: a 30 s boot takes 30 ms, sockets are real. */
export const TIME_SCALE = 1000;

/** The real AWS client, pointed at the simulator, as an operator would check the group. */
export function createSimAwsApi(sim: Simulator): Promise<AwsApi> {
  return createAwsApi({
    region: REGION,
    endpoints: { default: sim.aws.url },
    credentials: { accessKeyId: sim.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sim.env.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 2,
  });
}

export async function startAsgSim(): Promise<Simulator> {
  // Each simulator takes a 127.N/16; one started by another process (a parallel test file, a
  // colleague's run) may hold the same N. Starting again moves on to the next N.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSimulator({ timeScale: TIME_SCALE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 5) throw err;
    }
  }
}

export function kafka(sim: Simulator): SimAsg {
  return findAsg(sim.aws.world, REGION, ASG)!;
}

/** The group's members now, oldest first, with whether each is outdated. */
export function members(sim: Simulator, asg: SimAsg) {
  return asg.members.map((id) => {
    const inst = sim.aws.world.instances.get(id)!;
    return {
      id,
      ip: inst.privateIp,
      state: inst.lifecycleState,
      outdated: isOutdated(sim.aws.world, asg, inst),
    };
  });
}

export function playbook(o: { strategy?: string; waitTimeout?: number; extra?: string } = {}): string {
  return `- name: Rolling upgrade
  hosts: ${ASG}
  serial: 1
  order: oldest_first
  max_fail_percentage: 0
  tasks:
    - name: recycle
      asg_recycle:
        strategy: ${o.strategy ?? "auto"}
        only_if_outdated: true
        wait_timeout: ${o.waitTimeout ?? 10}
        poll_interval: 0.01
        lease: { settle: 0.2 }
${o.extra ?? ""}      register: recycled
    - name: port
      wait_for: { host: "{{ recycled.instance.privateIp }}", port: 9092, timeout: 5 }
      when: [recycled.changed, recycled.privateIp] # a Standby instance is terminated, not replaced
`;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  events: PlayEvent[];
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "rollcall-asg-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `rollcall play play.yml -i inv.yml --json …` in-process with the simulator's env. */
export async function runPlay(
  dir: string,
  sim: Simulator,
  pb: string,
  args: string[] = [],
  deps: PlaySeams = {},
): Promise<Run> {
  await writeFile(join(dir, "play.yml"), pb);
  await writeFile(
    join(dir, "inv.yml"),
    `sources:\n  - type: aws\n    name: sim\n    regions: [${REGION}]\ncache: { enabled: false }\n`,
  );
  const ctx = memoryContext(dir, sim.env);
  const code = await runCli(["play", "play.yml", "-i", "inv.yml", "--json", ...args], ctx, {
    play: { showElapsed: false, ...deps },
  });
  const stdout = ctx.out.join("");
  const events = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as PlayEvent);
  return { code, stdout, stderr: ctx.err.join(""), events };
}

export type TaskResult = Extract<PlayEvent, { type: "task_result" }>;

export function taskResults(events: PlayEvent[], task: string): TaskResult[] {
  return events.filter((e): e is TaskResult => e.type === "task_result" && e.task.name === task);
}

/** Fewest and most InService members of the group since timeline index `from`. */
export function inServiceRange(sim: Simulator, from: number, initial: number): { min: number; max: number } {
  let n = initial;
  let min = n;
  let max = n;
  for (const e of sim.shared.timeline.slice(from)) {
    if (e.type !== "state" || e.detail.asg !== ASG) continue;
    if (e.detail.from === "InService") n--;
    if (e.detail.to === "InService") n++;
    min = Math.min(min, n);
    max = Math.max(max, n);
  }
  return { min, max };
}

/** Instances of the group that started terminating since `from`, in order. */
export function terminated(sim: Simulator, from: number): string[] {
  return sim.shared.timeline
    .slice(from)
    .filter(
      (e) => e.type === "state" && e.detail.asg === ASG && String(e.detail.to).startsWith("Terminating"),
    )
    .map((e) => e.subject);
}

export function count(sim: Simulator, action: string): number {
  return sim.aws.world.requestCounts[`autoscaling:${action}`] ?? 0;
}

/** Wait (real time, bounded) until `test` holds. */
export async function until(test: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
