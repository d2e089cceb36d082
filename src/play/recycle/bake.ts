// "Healthy" for a replacement means more than one good answer: a service whose port flaps during
// boot passes one check and then fails (aws-missing-tools#32 in rolling-recycle.md §2.3). A
// replacement counts as healthy after `checks` consecutive passes `intervalMs` apart, followed by
// `bakeMs` during which every check still passes; any failure starts the count (and the bake)
// again. Everything stays within the replacement's deadline.
import { InterruptedError } from "../../errors.js";

export interface HealthPolicy {
  /** Consecutive passes needed (≥ 1). */
  checks: number;
  intervalMs: number;
  /** After the passes, how long it must stay healthy. */
  bakeMs: number;
}

export interface BakeHooks {
  signal: AbortSignal;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  progress(message: string, elapsedMs: number, timeoutMs: number): void;
}

export type BakeResult =
  | { ok: true; passes: number; checks: number }
  | { ok: false; passes: number; checks: number; status: string };

/** Nothing to do beyond the state the caller already waited for. */
export const isTrivial = (p: HealthPolicy, probing: boolean) => p.checks <= 1 && p.bakeMs <= 0 && !probing;

/**
 * Run `check` (undefined = healthy, else why not) until the policy is met or `deadline` passes.
 * `what` names the instance for progress lines.
 */
export async function awaitStableHealth(
  what: string,
  policy: HealthPolicy,
  check: () => Promise<string | undefined>,
  deadline: number,
  hooks: BakeHooks,
): Promise<BakeResult> {
  const started = hooks.now();
  let passes = 0;
  let total = 0;
  let bakeFrom: number | undefined;
  let last = "not checked yet";
  for (;;) {
    const why = await check();
    total++;
    if (hooks.signal.aborted) throw new InterruptedError();
    if (why === undefined) {
      passes++;
      if (passes >= policy.checks) {
        bakeFrom ??= hooks.now();
        if (hooks.now() - bakeFrom >= policy.bakeMs) return { ok: true, passes, checks: total };
      }
    } else {
      passes = 0;
      bakeFrom = undefined;
      last = why;
    }
    if (hooks.now() >= deadline) {
      const status =
        passes > 0
          ? `${passes}/${policy.checks} consecutive checks passed${bakeFrom !== undefined ? `, baked ${Math.round((hooks.now() - bakeFrom) / 1000)} of ${Math.round(policy.bakeMs / 1000)} s` : ""}; last failure: ${last}`
          : `last check failed: ${last}`;
      return { ok: false, passes, checks: total, status };
    }
    const phase =
      passes >= policy.checks
        ? `baking (${Math.round((hooks.now() - (bakeFrom ?? hooks.now())) / 1000)}/${Math.round(policy.bakeMs / 1000)} s)`
        : `${passes}/${policy.checks} consecutive checks passed${why ? ` (${why})` : ""}`;
    hooks.progress(
      `waiting for ${what} to stay healthy: ${phase}`,
      hooks.now() - started,
      deadline - started,
    );
    await hooks.sleep(Math.min(policy.intervalMs, Math.max(0, deadline - hooks.now())), hooks.signal);
    if (hooks.signal.aborted) throw new InterruptedError();
  }
}
