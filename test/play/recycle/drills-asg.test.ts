// Randomized crash/resume drills for asg_recycle (issue 14): each drill starts a rolling upgrade
// of the whole group (a new launch template version makes every member outdated; max size and
// pre-suspended processes drawn at random), crashes it at a random API call (crash.ts: the run
// freezes for good, the call never sent or its answer lost), then runs `--resume` in the same
// state dir. Afterwards the group must be exactly as a clean run leaves it: every member replaced
// once, none twice, none lost; desired capacity, max size and suspended processes as before; no
// rollcall tag, lease or lock left. The counts are printed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addLaunchTemplateVersion, isOutdated } from "../../../src/sim/aws/index.js";
import type { Simulator } from "../../../src/sim/index.js";
import { kafka, playbook, REGION, runPlay, startAsgSim } from "./asg-support.js";
import { AWS_MUTATING, type CrashPlan, crashingAwsApi, createCrash } from "./crash.js";
import { lockFiles, printTally, rng, SEED, TOTAL, tally } from "./drill-support.js";

function plan(r: () => number, allCalls: number, mutatingCalls: number): CrashPlan {
  const mode = r() < 0.5 ? "before" : "after";
  // Half the crashes land on a mutating call (where state changes), half anywhere (mostly waits).
  return r() < 0.5
    ? { at: 1 + Math.floor(r() * mutatingCalls), mode, only: AWS_MUTATING }
    : { at: 1 + Math.floor(r() * allCalls), mode };
}

describe("randomized kill/resume drills", () => {
  const asgTally = tally();
  let asgSim: Simulator | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    asgSim = await startAsgSim();
  });
  afterAll(async () => {
    await asgSim?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    printTally("asg_recycle", asgTally);
  });

  it(`asg_recycle: ${Math.ceil(TOTAL / 2)} drills`, async () => {
    const sim = asgSim!;
    const r = rng(SEED);
    const asg = kafka(sim);
    // Calibrate: how many calls a clean run makes (crash points are drawn up to that).
    const calib = createCrash({ at: Number.POSITIVE_INFINITY, mode: "before" });
    const mcalib = createCrash({ at: Number.POSITIVE_INFINITY, mode: "before", only: AWS_MUTATING });
    for (const c of [calib, mcalib]) {
      addLaunchTemplateVersion(sim.aws.world, REGION, "kafka-lt", { imageId: nextAmi() });
      const dir = await mkdtemp(join(tmpdir(), "rollcall-drill-"));
      dirs.push(dir);
      const run = await runPlay(dir, sim, playbook(), [], { services: { awsApi: crashingAwsApi(c) } });
      expect(run.code, run.stdout).toBe(0);
    }
    for (let i = 0; i < Math.ceil(TOTAL / 2); i++) {
      addLaunchTemplateVersion(sim.aws.world, REGION, "kafka-lt", { imageId: nextAmi() });
      asg.max = r() < 0.5 ? 3 : 4; // at max size half the time: the surge raises max
      const pre = ["AZRebalance", "ScheduledActions", "AddToLoadBalancer"].filter(() => r() < 0.3);
      asg.suspended = new Map(pre.map((p) => [p, "User suspended before the drill"]));
      const strategy = r() < 0.7 ? "auto" : "terminate_first";
      const before = { max: asg.max, min: asg.min, desired: asg.desired, ids: [...asg.members] };
      const mark = sim.shared.timeline.length;
      const crash = createCrash(plan(r, calib.calls, mcalib.calls));
      const dir = await mkdtemp(join(tmpdir(), "rollcall-drill-"));
      dirs.push(dir);
      const pb = playbook({ strategy }).replace("lease: { settle: 0.2 }", "lease: { settle: 0.1 }");
      const first = runPlay(dir, sim, pb, [], { services: { awsApi: crashingAwsApi(crash) } });
      const ended = await Promise.race([first.then((x) => x), crash.crashed.then(() => undefined)]);
      let final = ended;
      if (!ended) {
        asgTally.crashed++;
        final = await runPlay(dir, sim, pb, ["--resume"]);
      }
      asgTally.drills++;
      const where = `asg drill ${i} (${strategy}, max ${before.max}, crash at ${crash.point ?? "none"})`;
      if (final!.code === 0) asgTally.resumedOk++;
      else {
        const failed = final!.events.filter((e) => e.type === "task_result" && e.status === "failed");
        const msgs = failed.map((e) => (e.type === "task_result" ? String(e.result.msg) : "")).join(" | ");
        asgTally.notes.push(`${where}: exit ${final!.code}: ${msgs}${final!.stderr}`);
      }
      const gone = sim.shared.timeline
        .slice(mark)
        .filter(
          (e) =>
            e.type === "state" && e.detail.asg === asg.name && String(e.detail.to).startsWith("Terminating"),
        )
        .map((e) => e.subject);
      const extra = gone.filter((id) => !before.ids.includes(id)).length + (gone.length - new Set(gone).size);
      const members = asg.members.map((id) => sim.aws.world.instances.get(id)!);
      const lost =
        before.ids.filter((id) => !gone.includes(id)).length +
        Math.max(0, before.desired - members.filter((m) => m.lifecycleState === "InService").length) +
        members.filter((m) => isOutdated(sim.aws.world, asg, m)).length;
      const tags = asg.tags.filter((t) => t.key.startsWith("rollcall:")).length;
      const suspendedNow = [...asg.suspended.keys()].sort().join(",");
      const sizes = asg.max !== before.max || asg.min !== before.min || asg.desired !== before.desired;
      asgTally.doubleRecycles += extra;
      asgTally.lost += lost;
      asgTally.leftoverTags += tags + (sizes ? 1 : 0);
      if (suspendedNow !== [...pre].sort().join(",")) asgTally.leftoverSuspended++;
      const locks = await lockFiles(join(dir, ".local", "state"));
      asgTally.leftoverLocks += locks.length;
      if (extra || lost || tags || sizes || locks.length || suspendedNow !== [...pre].sort().join(","))
        asgTally.notes.push(
          `${where}: extra=${extra} lost=${lost} tags=${tags} sizes=${asg.min}/${asg.desired}/${asg.max} suspended=${suspendedNow} locks=${locks.length}`,
        );
    }
    expect(asgTally.notes, asgTally.notes.join("\n")).toEqual([]);
    expect(asgTally).toMatchObject({
      doubleRecycles: 0,
      lost: 0,
      leftoverTags: 0,
      leftoverSuspended: 0,
      leftoverLocks: 0,
    });
    expect(asgTally.crashed).toBeGreaterThan(asgTally.drills / 2);
  }, 900_000);
});

let ami = 0x0d000;
function nextAmi(): string {
  ami++;
  return `ami-${ami.toString(16).padStart(17, "0")}`;
}
