// Room for a surge, and which strategy a group allows. Instance Refresh's two preferences
// (rolling-recycle.md §1.1) say it in percentages of desired capacity: MinHealthyPercentage —
// how many must stay InService and healthy — and MaxHealthyPercentage — how many may run at once
// (InService + Pending). Above 100 % means launch before terminate. rollcall replaces one instance
// per task, so the percentages choose the strategy and report the batch size Instance Refresh
// would use; at max size a surge raises max size by one (recorded in a tag first) and restores it.
import { ORIGINAL_MAX_TAG } from "./asg-group.js";
import { type AsgStrategy, type RunState, readGroup, StepFailure } from "./asg-steps.js";

export interface HealthyPercentages {
  /** 0–100: InService+healthy members that must remain, as a % of desired capacity. */
  min?: number;
  /** 100–200: members that may run at once (InService + Pending), as a % of desired capacity. */
  max?: number;
}

export interface StrategyChoice {
  strategy: AsgStrategy;
  /** Max size must go up by one for the surge (desired = max size now). */
  raiseMax: boolean;
  /** Instances Instance Refresh would replace at once under these percentages (rollcall: one per task). */
  batchSize: number;
}

/**
 * `auto` launches first whenever the percentages allow one extra instance — also at max size,
 * by raising it — and terminates first only when they forbid a surge. Explicit strategies are
 * checked against the percentages too.
 */
export function chooseStrategy(
  wanted: AsgStrategy | "auto",
  desired: number,
  maxSize: number,
  pct: HealthyPercentages,
): StrategyChoice {
  const ceiling = pct.max === undefined ? desired + 1 : Math.floor((desired * pct.max) / 100);
  const floor = pct.min === undefined ? desired - 1 : Math.ceil((desired * pct.min) / 100);
  const surge = ceiling >= desired + 1;
  const shrink = floor <= desired - 1 && desired > 0;
  const percentages = `min_healthy_percentage ${pct.min ?? "unset"}, max_healthy_percentage ${pct.max ?? "unset"}`;
  const pick = (strategy: AsgStrategy): StrategyChoice => ({
    strategy,
    raiseMax: strategy === "launch_first" && desired + 1 > maxSize,
    batchSize: Math.max(1, strategy === "launch_first" ? ceiling - desired : desired - floor),
  });
  if (wanted === "launch_first" || (wanted === "auto" && surge)) {
    if (!surge) {
      throw new StepFailure(
        `launch_first needs room for one more instance, but ${percentages} allow at most ${ceiling} of ${desired}: raise max_healthy_percentage or use strategy terminate_first`,
      );
    }
    return pick("launch_first");
  }
  if (!shrink) {
    throw new StepFailure(
      `${percentages} leave no room to replace an instance of a group of ${desired}: allow a surge (max_healthy_percentage > 100) or one instance out (min_healthy_percentage < 100)`,
    );
  }
  return pick("terminate_first");
}

/**
 * Raise max size to desired + 1 for the surge, from a fresh read: if max size is no longer
 * what the plan saw, someone else changed it — stop rather than overwrite.
 */
export async function raiseMax(run: RunState, originalMax: number, desired: number): Promise<void> {
  const g = await readGroup(run);
  if (g.maxSize !== originalMax) {
    throw new StepFailure(
      `max size of ${run.asgName} changed from ${originalMax} to ${g.maxSize} just before the surge: not overwriting it`,
    );
  }
  await run.api.updateGroupSize(run.asgName, { maxSize: desired + 1 });
  run.phase = `max size raised to ${desired + 1} (tag ${ORIGINAL_MAX_TAG}=${originalMax})`;
}

/**
 * Put max size back, when it is still the value rollcall set and desired capacity fits under the
 * original (a lower MaxSize than desired would make AWS lower desired capacity itself, choosing
 * a victim). Returns the keys of tags that may now go, and a note when something was left.
 */
export async function restoreMax(
  run: RunState,
  originalMax: number,
  raisedTo: number,
): Promise<{ done: boolean; note?: string }> {
  const g = await readGroup(run);
  if (g.maxSize === originalMax) return { done: true };
  if (g.maxSize !== raisedTo) {
    return { done: true, note: `max size was changed to ${g.maxSize} by someone else; kept their value` };
  }
  if (g.desiredCapacity > originalMax) {
    return {
      done: false,
      note: `max size left at ${raisedTo} (desired capacity ${g.desiredCapacity} > original max size ${originalMax}), tag ${ORIGINAL_MAX_TAG}=${originalMax} left in place`,
    };
  }
  await run.api.updateGroupSize(run.asgName, { maxSize: originalMax });
  return { done: true };
}
