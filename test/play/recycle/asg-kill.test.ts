// kill -9 of the built CLI in the middle of an ASG replacement, then `--resume`: max size and the
// suspended processes end up exactly as before (read back through DescribeAutoScalingGroups). And
// an abandoned run (killed, never resumed): the next run is refused, `rollcall recycle-cleanup`
// puts the group back, and the next run succeeds.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsApi } from "../../../src/cloud/aws/api.js";
import type { Simulator } from "../../../src/sim/index.js";
import { CLI, runCli } from "../../helpers/cli.js";
import {
  count,
  createSimAwsApi,
  kafka,
  members,
  playbook,
  REGION,
  startAsgSim,
  terminated,
  until,
} from "./asg-support.js";

let sim: Simulator;
let api: AwsApi;
let dir: string;
let env: Record<string, string>;
beforeEach(async () => {
  sim = await startAsgSim();
  api = await createSimAwsApi(sim);
  dir = await mkdtemp(join(tmpdir(), "rollcall-asg-kill-"));
  env = { ...sim.env, HOME: dir, XDG_STATE_HOME: join(dir, "state"), XDG_CACHE_HOME: join(dir, "cache") };
  await writeFile(
    join(dir, "inv.yml"),
    `sources:\n  - type: aws\n    name: sim\n    regions: [${REGION}]\ncache: { enabled: false }\n`,
  );
});
afterEach(async () => {
  api.destroy();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function described() {
  const [g] = await api.describeAutoScalingGroups({ names: ["kafka-asg-prod"] });
  return {
    suspended: [...(g!.suspendedProcesses ?? [])].sort(),
    max: g!.maxSize,
    desired: g!.desiredCapacity,
    rollcallTags: g!.tags.filter((t) => t.key.startsWith("rollcall:")).map((t) => t.key),
  };
}

/** Start the CLI; kill -9 it once `when` holds. */
async function killWhen(args: string[], when: () => boolean, runEnv = env): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...runEnv },
    stdio: "ignore",
  });
  const exited = new Promise<string | null>((done) => child.on("close", (_c, signal) => done(signal)));
  await until(when, 30_000);
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
}

describe("kill -9 of the CLI mid-replacement", () => {
  it("at max size: --resume finishes, max size and suspended processes are exactly as before", async () => {
    const asg = kafka(sim);
    asg.max = 3;
    asg.suspended.set("AZRebalance", "User suspended before");
    asg.spec.boot_sec = 800; // 0.8 s: the kill lands while the surge's replacement boots
    const outdated = members(sim, asg)
      .filter((m) => m.outdated)
      .map((m) => m.id);
    await writeFile(join(dir, "play.yml"), playbook({ waitTimeout: 30 }));
    const args = ["play", join(dir, "play.yml"), "-i", join(dir, "inv.yml")];
    const mark = sim.shared.timeline.length;
    await killWhen(
      args,
      () => count(sim, "UpdateAutoScalingGroup") >= 1 && count(sim, "SetDesiredCapacity") >= 1,
    );
    // Killed mid-surge: max raised, processes suspended, all recorded in tags.
    expect(await described()).toMatchObject({
      max: 4,
      suspended: ["AZRebalance", "AlarmNotification", "ReplaceUnhealthy", "ScheduledActions"],
    });
    expect((await described()).rollcallTags.sort()).toEqual([
      "rollcall:lease",
      "rollcall:original-desired",
      "rollcall:original-max",
      "rollcall:suspended",
    ]);
    asg.spec.boot_sec = 30;
    const r = await runCli([...args, "--resume"], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await described()).toEqual({ suspended: ["AZRebalance"], max: 3, desired: 3, rollcallTags: [] });
    expect(terminated(sim, mark).sort()).toEqual([...outdated].sort());
  });
});

describe("an abandoned run", () => {
  it("blocks the next run; recycle-cleanup puts the group back; then the next run succeeds", async () => {
    const asg = kafka(sim);
    asg.suspended.set("ScheduledActions", "User suspended before");
    asg.spec.boot_sec = 800;
    await writeFile(join(dir, "play.yml"), playbook({ strategy: "terminate_first", waitTimeout: 30 }));
    const args = ["play", join(dir, "play.yml"), "-i", join(dir, "inv.yml")];
    await killWhen(args, () => count(sim, "TerminateInstanceInAutoScalingGroup") >= 1);
    asg.spec.boot_sec = 30;
    // Another operator (own state dir) starts the same play: refused, naming the abandoned run.
    const otherEnv = { ...env, XDG_STATE_HOME: join(dir, "other-state") };
    const refused = await runCli(args, otherEnv);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      /ASG kafka-asg-prod is being recycled by another rollcall run \(run [\w-]+, host .+, pid \d+\)/,
    );
    const dry = await runCli(
      ["recycle-cleanup", "--asg", "kafka-asg-prod", "--region", REGION, "--check"],
      otherEnv,
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("would resume processes AZRebalance, ReplaceUnhealthy, AlarmNotification");
    expect((await described()).rollcallTags).toContain("rollcall:lease");
    const clean = await runCli(["recycle-cleanup", "--asg", "kafka-asg-prod", "--region", REGION], otherEnv);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(
      /^resume processes AZRebalance, ReplaceUnhealthy, AlarmNotification\ndelete tag rollcall:suspended\ndelete tag rollcall:lease \(run [\w-]+, host .+, pid \d+\)\n$/,
    );
    expect(await described()).toMatchObject({ suspended: ["ScheduledActions"], rollcallTags: [] });
    // The killed run's replacement finishes on its own (Auto Scaling replaces the instance).
    await until(
      () => members(sim, asg).every((m) => m.state === "InService") && asg.members.length === 3,
      10_000,
    );
    const r = await runCli(args, otherEnv);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(members(sim, asg).every((m) => !m.outdated)).toBe(true);
    expect(await described()).toEqual({
      suspended: ["ScheduledActions"],
      max: 4,
      desired: 3,
      rollcallTags: [],
    });
  });
});
