// Randomized crash/resume drills for both recycle modules (issue 14): each drill starts a rolling
// recycle of a whole group, crashes it at a random API call (crash.ts: the run freezes for good,
// the call either never sent or its answer lost), then runs `--resume` in the same state dir.
// Afterwards the group must be exactly as a clean run leaves it: every instance replaced once,
// none twice, none lost; capacity, max size, suspended processes as before; no rollcall tag,
// lease or lock left. The counts are printed. A seed makes a failing drill reproducible
// (DRILL_SEED=…); DRILLS=N changes how many (default 100: half ASG, half Spotinst).
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { createSpotinstClientPool } from "../../../src/play/recycle/spotinst-client.js";
import { addLaunchTemplateVersion, isOutdated } from "../../../src/sim/aws/index.js";
import type { Simulator } from "../../../src/sim/index.js";
import { memoryContext } from "../support.js";
import { kafka, playbook, REGION, runPlay, startAsgSim } from "./asg-support.js";
import {
  AWS_MUTATING,
  type CrashPlan,
  crashingAwsApi,
  crashingSpotinstPool,
  createCrash,
  SPOTINST_MUTATING,
} from "./crash.js";
import { apiActions, FAST, PLAYBOOK, type RecycleRig, SSIS, startRig } from "./support.js";

const TOTAL = Number(process.env.DRILLS ?? 100);
const SEED = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000);

/** mulberry32: small, seedable. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  drills: number;
  crashed: number;
  resumedOk: number;
  doubleRecycles: number;
  lost: number;
  leftoverTags: number;
  leftoverSuspended: number;
  leftoverLocks: number;
  notes: string[];
}

const tally = (): Tally => ({
  drills: 0,
  crashed: 0,
  resumedOk: 0,
  doubleRecycles: 0,
  lost: 0,
  leftoverTags: 0,
  leftoverSuspended: 0,
  leftoverLocks: 0,
  notes: [],
});

async function lockFiles(stateHome: string): Promise<string[]> {
  const dir = join(stateHome, "rollcall", "locks");
  return (await readdir(dir).catch(() => [])).filter((n) => n.endsWith(".lock"));
}

function plan(r: () => number, allCalls: number, mutatingCalls: number): CrashPlan {
  const mode = r() < 0.5 ? "before" : "after";
  // Half the crashes land on a mutating call (where state changes), half anywhere (mostly waits).
  return r() < 0.5
    ? { at: 1 + Math.floor(r() * mutatingCalls), mode, only: AWS_MUTATING }
    : { at: 1 + Math.floor(r() * allCalls), mode };
}

describe("randomized kill/resume drills", () => {
  const asgTally = tally();
  const spotTally = tally();
  let asgSim: Simulator | undefined;
  let rig: RecycleRig | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    asgSim = await startAsgSim();
    rig = await startRig();
  });
  afterAll(async () => {
    await asgSim?.close();
    await rig?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    const line = (name: string, t: Tally) =>
      `${name}: drills=${t.drills} crashed=${t.crashed} resumed_ok=${t.resumedOk} double_recycles=${t.doubleRecycles} lost=${t.lost} leftover_tags=${t.leftoverTags} leftover_suspended=${t.leftoverSuspended} leftover_locks=${t.leftoverLocks}`;
    console.log(
      `drills (seed ${SEED}):\n  ${line("asg_recycle", asgTally)}\n  ${line("spotinst_stateful", spotTally)}`,
    );
    for (const n of [...asgTally.notes, ...spotTally.notes]) console.log(`  ${n}`);
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

  it(`spotinst_stateful: ${Math.floor(TOTAL / 2)} drills`, async () => {
    const r = rng(SEED + 1);
    const play = async (stateHome: string, args: string[], services?: object) => {
      const inventory = rig!.inventory;
      const env = { ...rig!.env, XDG_STATE_HOME: stateHome };
      const ctx = memoryContext(rig!.dir, env);
      const code = await runCli(["play", PLAYBOOK, "-i", inventory, ...FAST, ...args], ctx, {
        play: { showElapsed: false, ...(services && { services }) },
      });
      return { code, out: ctx.out.join("") + ctx.err.join("") };
    };
    const pool = (stateHome: string) =>
      createSpotinstClientPool({ env: { ...rig!.env, XDG_STATE_HOME: stateHome }, homeDir: rig!.dir });
    const calibDir = await mkdtemp(join(tmpdir(), "rollcall-drill-"));
    dirs.push(calibDir);
    const calib = createCrash({ at: Number.POSITIVE_INFINITY, mode: "before" });
    const c0 = await play(calibDir, [], { spotinst: crashingSpotinstPool(pool(calibDir), calib) });
    expect(c0.code, c0.out).toBe(0);
    for (let i = 0; i < Math.floor(TOTAL / 2); i++) {
      // A fresh simulator per drill: its clock runs ×1000, so instances recycled by an earlier
      // drill carry launch times "after" this run started and a resume would rightly skip them.
      await rig!.close();
      rig = await startRig();
      const sim = rig.sim;
      const mark = sim.shared.timeline.length;
      const before = new Map(SSIS.map((id) => [id, sim.world.findSsi(id)!.instanceId]));
      const mode = r() < 0.5 ? "before" : "after";
      const crashPlan: CrashPlan =
        r() < 0.5
          ? { at: 1 + Math.floor(r() * SSIS.length), mode, only: SPOTINST_MUTATING }
          : { at: 1 + Math.floor(r() * calib.calls), mode };
      const crash = createCrash(crashPlan);
      const dir = await mkdtemp(join(tmpdir(), "rollcall-drill-"));
      dirs.push(dir);
      await writeFile(join(dir, "note"), `spotinst drill ${i}`);
      const first = play(dir, [], { spotinst: crashingSpotinstPool(pool(dir), crash) });
      const ended = await Promise.race([first.then((x) => x), crash.crashed.then(() => undefined)]);
      let final = ended;
      if (!ended) {
        spotTally.crashed++;
        final = await play(dir, ["--resume"]);
      }
      spotTally.drills++;
      const where = `spotinst drill ${i} (crash at ${crash.point ?? "none"}, call ${crashPlan.at})`;
      if (final!.code === 0) spotTally.resumedOk++;
      else spotTally.notes.push(`${where}: exit ${final!.code}: ${final!.out.slice(-600)}`);
      const actions = apiActions(sim.shared.timeline.slice(mark)).map((a) => a.subject);
      const perSsi = SSIS.map((id) => actions.filter((a) => a === id).length);
      const doubles = perSsi.reduce((n, c) => n + Math.max(0, c - 1), 0);
      const lost = SSIS.filter((id, k) => {
        const now = sim.world.findSsi(id)!;
        return perSsi[k] === 0 || now.state !== "ACTIVE" || now.instanceId === before.get(id);
      }).length;
      const locks = await lockFiles(dir);
      spotTally.doubleRecycles += doubles;
      spotTally.lost += lost;
      spotTally.leftoverLocks += locks.length;
      if (doubles || lost || locks.length)
        spotTally.notes.push(
          `${where}: per-instance recycles ${perSsi.join("/")}, lost=${lost}, locks=${locks.length}${process.env.DRILL_DEBUG ? `\n${final!.out}` : ""}`,
        );
    }
    expect(spotTally.notes, spotTally.notes.join("\n")).toEqual([]);
    expect(spotTally).toMatchObject({ doubleRecycles: 0, lost: 0, leftoverLocks: 0 });
    expect(spotTally.crashed).toBeGreaterThan(spotTally.drills / 2);
  }, 900_000);
});

let ami = 0x0d000;
function nextAmi(): string {
  ami++;
  return `ami-${ami.toString(16).padStart(17, "0")}`;
}
