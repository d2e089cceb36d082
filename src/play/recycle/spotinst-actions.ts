// pause / resume / deallocate of one stateful instance, with the recycle's rules: act only from a
// settled state, ERROR fails at once, every other state (PAUSE, PAUSING, RESUME, …) is progress
// until one overall deadline, done only when the target state is observed (for resume: ACTIVE on
// an instance we had not seen before; for deallocate: DEALLOCATED, or gone from the list — Spot
// may drop a deallocated instance).
import type { SpotinstApi } from "../../cloud/spotinst/api.js";
import type { StatefulInstance, StatefulState } from "../../cloud/spotinst/types.js";
import { RemoteError } from "../../errors.js";
import { type ActionRun, elapsedSeconds, markOf, type StartWait, startActionRun } from "./spotinst-poll.js";
import type { InstanceMark, RecycleHooks, RecycleOutcome } from "./spotinst-recycle.js";

export type TransitionAction = "pause" | "resume" | "deallocate";

export interface TransitionRequest {
  groupId: string;
  ssiId: string;
  action: TransitionAction;
  /** pause/deallocate take capacity away: wait for the rest of the group to be ACTIVE first. */
  requireGroupActive: boolean;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  check: boolean;
  /** Resume of the run: the action was issued before the interruption; only wait for it. */
  inFlight?: { previous: InstanceMark; issuedAt: string };
}

const TARGET: Record<TransitionAction, StatefulState> = {
  pause: "PAUSED",
  resume: "ACTIVE",
  deallocate: "DEALLOCATED",
};
const ALLOWED_FROM: Record<TransitionAction, readonly StatefulState[]> = {
  pause: ["ACTIVE"],
  resume: ["PAUSED"],
  deallocate: ["ACTIVE", "PAUSED", "ERROR"],
};
const SETTLED: readonly StatefulState[] = ["ACTIVE", "PAUSED", "DEALLOCATED", "ERROR"];
const PAST: Record<TransitionAction, string> = {
  pause: "paused",
  resume: "resumed",
  deallocate: "deallocated",
};

type TransitionRun = ActionRun<TransitionRequest>;

export async function transitionStatefulInstance(
  api: SpotinstApi,
  req: TransitionRequest,
  hooks: RecycleHooks,
): Promise<RecycleOutcome> {
  const run = startActionRun(api, req, hooks);
  if (req.inFlight)
    return waitForTarget(
      run,
      req.inFlight.previous,
      `re-attached to a ${req.action} issued at ${req.inFlight.issuedAt}`,
    );

  const start = await waitUntilSettled(run);
  if ("outcome" in start) return start.outcome;
  const current = start.ready;
  const previous = markOf(current);
  if (req.check)
    return succeed(run, true, current, previous, `would ${req.action} ${req.ssiId} (${current.state})`);
  await hooks.beforeIssue(previous);
  try {
    await api.statefulAction(req.groupId, req.ssiId, req.action, run.poller.call);
  } catch (err) {
    if (err instanceof RemoteError)
      return failTransition(run, `${req.action} request failed: ${err.message}`, current, previous);
    throw err;
  }
  return waitForTarget(run, previous, `${PAST[req.action]} ${req.ssiId}`);
}

function failTransition(
  run: TransitionRun,
  msg: string,
  stateful?: StatefulInstance,
  previous?: InstanceMark,
): RecycleOutcome {
  return {
    ok: false,
    msg,
    elapsed: elapsedSeconds(run),
    ...(stateful && { stateful }),
    ...(previous && { previous }),
  };
}

function succeed(
  run: TransitionRun,
  changed: boolean,
  ssi: StatefulInstance,
  previous: InstanceMark,
  msg: string,
): RecycleOutcome {
  return { ok: true, changed, stateful: ssi, previous, elapsed: elapsedSeconds(run), msg };
}

/** Wait for a settled state the action may start from, and for the rest of the group when it must. */
async function waitUntilSettled(run: TransitionRun): Promise<StartWait> {
  const { req, hooks } = run;
  for (;;) {
    const { ssi, all } = await run.poller.poll();
    if (!ssi) {
      const hint = req.action === "deallocate" ? " (a deallocated instance may have left the list)" : "";
      const msg = `stateful instance ${req.ssiId} not found in group ${req.groupId}${hint}`;
      return { outcome: failTransition(run, msg) };
    }
    const decided = decideWithoutWaiting(run, ssi);
    if (decided) return { outcome: decided };
    const settled = SETTLED.includes(ssi.state);
    const blockers =
      req.requireGroupActive && req.action !== "resume"
        ? all.filter((s) => s.id !== req.ssiId && s.state !== "ACTIVE")
        : [];
    const errored = blockers.find((s) => s.state === "ERROR");
    if (errored) {
      const msg = `group ${req.groupId} has ${errored.id} in ERROR; refusing to take another instance out`;
      return { outcome: failTransition(run, msg, ssi) };
    }
    if (settled && blockers.length === 0) return { ready: ssi };
    const why = settled
      ? `group ${req.groupId}: ${blockers.map((b) => `${b.id} ${b.state}`).join(", ")}`
      : `${req.ssiId} is ${ssi.state}`;
    if (req.check) {
      const msg = `would ${req.action} ${req.ssiId} once ${why} has settled`;
      return { outcome: succeed(run, true, ssi, markOf(ssi), msg) };
    }
    if (hooks.now() >= run.deadline)
      return { outcome: failTransition(run, `timed out waiting to start: ${why}`, ssi) };
    hooks.progress(`waiting to ${req.action} (${why})`);
    await run.poller.nap();
  }
}

/** The instance's own state answers at once: already at the target, or no state to act from. */
function decideWithoutWaiting(run: TransitionRun, ssi: StatefulInstance): RecycleOutcome | undefined {
  const { req } = run;
  if (ssi.state === TARGET[req.action] && (req.action !== "resume" || ssi.instanceId))
    return succeed(run, false, ssi, markOf(ssi), `${req.ssiId} is already ${ssi.state}`);
  if (ssi.state === "DEALLOCATED")
    return failTransition(run, `stateful instance ${req.ssiId} is DEALLOCATED`, ssi);
  if (ssi.state === "ERROR" && !ALLOWED_FROM[req.action].includes("ERROR"))
    return failTransition(
      run,
      `stateful instance ${req.ssiId} is in ERROR; not trying to ${req.action} it`,
      ssi,
    );
  if (SETTLED.includes(ssi.state) && !ALLOWED_FROM[req.action].includes(ssi.state))
    return failTransition(run, `cannot ${req.action} ${req.ssiId}: it is ${ssi.state}`, ssi);
  return undefined;
}

async function waitForTarget(run: TransitionRun, prev: InstanceMark, what: string): Promise<RecycleOutcome> {
  const { req, hooks } = run;
  const target = TARGET[req.action];
  let last: StatefulInstance | undefined;
  for (;;) {
    const { ssi } = await run.poller.poll();
    if (!ssi && req.action === "deallocate") {
      // Gone from the list is what DEALLOCATED looks like when Spot drops the instance.
      const gone: StatefulInstance = {
        ...(last ?? { id: req.ssiId }),
        state: "DEALLOCATED",
        instanceId: null,
        privateIp: null,
      };
      return succeed(run, true, gone, prev, `${what}: ${req.ssiId} left group ${req.groupId}'s list`);
    }
    if (!ssi)
      return failTransition(run, `stateful instance ${req.ssiId} disappeared from group ${req.groupId}`);
    last = ssi;
    if (hasReached(req.action, ssi, prev))
      return succeed(run, true, ssi, prev, `${what}: ${req.ssiId} is ${ssi.state}`);
    if (ssi.state === "ERROR" || (ssi.state === "DEALLOCATED" && target !== "DEALLOCATED"))
      return failTransition(run, `${req.action} of ${req.ssiId} ended in ${ssi.state}`, ssi, prev);
    if (hooks.now() >= run.deadline) {
      const limit = Math.round(req.waitTimeoutMs / 1000);
      return failTransition(
        run,
        `timed out after ${elapsedSeconds(run)} s (wait_timeout ${limit} s): ${req.ssiId} is ${ssi.state}`,
        ssi,
        prev,
      );
    }
    hooks.progress(`${req.ssiId} ${ssi.state}, waiting for ${target}`);
    await run.poller.nap();
  }
}

/** A resume counts only on an instance we had not seen before: ACTIVE on the old one is not it. */
function hasReached(action: TransitionAction, ssi: StatefulInstance, prev: InstanceMark): boolean {
  return (
    ssi.state === TARGET[action] &&
    (action !== "resume" || (!!ssi.instanceId && ssi.instanceId !== prev.instanceId))
  );
}
