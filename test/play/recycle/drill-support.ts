// Shared by the randomized crash/resume drills (drills-asg.test.ts, drills-spotinst.test.ts):
// the seed, the tally of what a drill found, and where the local locks are. DRILL_SEED=… makes a
// failing drill reproducible; DRILLS=N changes how many (default 100: half ASG, half Spotinst).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createRandom } from "../../../src/sim/core/faults.js";

export const TOTAL = Number(process.env.DRILLS ?? 100);
export const SEED = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000);

/** The simulator's seeded PRNG (mulberry32), so a drill seed replays the same kill points. */
export const rng = createRandom;

export interface Tally {
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

export const tally = (): Tally => ({
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

/** The counts, one line, then what went wrong. */
export function printTally(name: string, t: Tally): void {
  console.log(
    `drills (seed ${SEED}): ${name}: drills=${t.drills} crashed=${t.crashed} resumed_ok=${t.resumedOk} double_recycles=${t.doubleRecycles} lost=${t.lost} leftover_tags=${t.leftoverTags} leftover_suspended=${t.leftoverSuspended} leftover_locks=${t.leftoverLocks}`,
  );
  for (const n of t.notes) console.log(`  ${n}`);
}

export async function lockFiles(stateHome: string): Promise<string[]> {
  const dir = join(stateHome, "rollcall", "locks");
  return (await readdir(dir).catch(() => [])).filter((n) => n.endsWith(".lock"));
}
