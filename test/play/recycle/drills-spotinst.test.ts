// Randomized crash/resume drills for spotinst_stateful (issue 14): each drill recycles the whole
// stateful group with recycle-esg.yml, crashes it at a random API call (crash.ts: the run freezes
// for good, the call never sent or its answer lost), then runs `--resume` in the same state dir.
// Afterwards every instance must have been recycled exactly once (the simulator's accepted
// actions), be ACTIVE on a new instance, and no lock be left. The counts are printed.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { createSpotinstClientPool } from "../../../src/play/recycle/spotinst-client.js";
import { memoryContext } from "../support.js";
import { type CrashPlan, crashingSpotinstPool, createCrash, SPOTINST_MUTATING } from "./crash.js";
import { lockFiles, printTally, rng, SEED, TOTAL, tally } from "./drill-support.js";
import { apiActions, FAST, PLAYBOOK, type RecycleRig, SSIS, startRig } from "./support.js";

describe("randomized kill/resume drills", () => {
  const spotTally = tally();
  let rig: RecycleRig | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    printTally("spotinst_stateful", spotTally);
  });

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
