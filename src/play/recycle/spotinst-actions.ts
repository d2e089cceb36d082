// pause / resume / deallocate of one stateful instance, with the recycle's rules: act only from a
// settled state, ERROR fails at once, every other state (PAUSE, PAUSING, RESUME, …) is progress
// until one overall deadline, done only when the target state is observed (for resume: ACTIVE on
// an instance we had not seen before; for deallocate: DEALLOCATED, or gone from the list — Spot
// may drop a deallocated instance).
import type { SpotinstApi } from "../../cloud/spotinst/api.js";
import type { StatefulInstance, StatefulState } from "../../cloud/spotinst/types.js";
import { RemoteError } from "../../errors.js";
import {
  createPoller,
  type InstanceMark,
  markOf,
  type RecycleHooks,
  type RecycleOutcome,
} from "./spotinst-recycle.js";

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

export async function transitionStatefulInstance(
  api: SpotinstApi,
  req: TransitionRequest,
  hooks: RecycleHooks,
): Promise<RecycleOutcome> {
  const started = hooks.now();
  const deadline = started + req.waitTimeoutMs;
  const target = TARGET[req.action];
  const elapsed = () => Math.round((hooks.now() - started) / 1000);
  const fail = (msg: string, stateful?: StatefulInstance, previous?: InstanceMark): RecycleOutcome => ({
    ok: false,
    msg,
    elapsed: elapsed(),
    ...(stateful && { stateful }),
    ...(previous && { previous }),
  });
  const done = (changed: boolean, ssi: StatefulInstance, previous: InstanceMark, msg: string) =>
    ({ ok: true, changed, stateful: ssi, previous, elapsed: elapsed(), msg }) as const;
  const { poll, nap, call } = createPoller(api, req, hooks, deadline);
  const reached = (ssi: StatefulInstance, prev: InstanceMark) =>
    ssi.state === target &&
    (req.action !== "resume" || (!!ssi.instanceId && ssi.instanceId !== prev.instanceId));

  const waitForTarget = async (prev: InstanceMark, what: string): Promise<RecycleOutcome> => {
    let last: StatefulInstance | undefined;
    for (;;) {
      const { ssi } = await poll();
      if (!ssi && req.action === "deallocate") {
        // Gone from the list is what DEALLOCATED looks like when Spot drops the instance.
        const gone: StatefulInstance = {
          ...(last ?? { id: req.ssiId }),
          state: "DEALLOCATED",
          instanceId: null,
          privateIp: null,
        };
        return done(true, gone, prev, `${what}: ${req.ssiId} left group ${req.groupId}'s list`);
      }
      if (!ssi) return fail(`stateful instance ${req.ssiId} disappeared from group ${req.groupId}`);
      last = ssi;
      if (reached(ssi, prev)) return done(true, ssi, prev, `${what}: ${req.ssiId} is ${ssi.state}`);
      if (ssi.state === "ERROR" || (ssi.state === "DEALLOCATED" && target !== "DEALLOCATED"))
        return fail(`${req.action} of ${req.ssiId} ended in ${ssi.state}`, ssi, prev);
      if (hooks.now() >= deadline) {
        const limit = Math.round(req.waitTimeoutMs / 1000);
        return fail(
          `timed out after ${elapsed()} s (wait_timeout ${limit} s): ${req.ssiId} is ${ssi.state}`,
          ssi,
          prev,
        );
      }
      hooks.progress(`${req.ssiId} ${ssi.state}, waiting for ${target}`);
      await nap();
    }
  };

  if (req.inFlight)
    return waitForTarget(
      req.inFlight.previous,
      `re-attached to a ${req.action} issued at ${req.inFlight.issuedAt}`,
    );

  let current: StatefulInstance;
  for (;;) {
    const { ssi, all } = await poll();
    if (!ssi) {
      const hint = req.action === "deallocate" ? " (a deallocated instance may have left the list)" : "";
      return fail(`stateful instance ${req.ssiId} not found in group ${req.groupId}${hint}`);
    }
    if (ssi.state === target && (req.action !== "resume" || ssi.instanceId))
      return done(false, ssi, markOf(ssi), `${req.ssiId} is already ${ssi.state}`);
    if (ssi.state === "DEALLOCATED") return fail(`stateful instance ${req.ssiId} is DEALLOCATED`, ssi);
    if (ssi.state === "ERROR" && !ALLOWED_FROM[req.action].includes("ERROR"))
      return fail(`stateful instance ${req.ssiId} is in ERROR; not trying to ${req.action} it`, ssi);
    const settled = SETTLED.includes(ssi.state);
    if (settled && !ALLOWED_FROM[req.action].includes(ssi.state))
      return fail(`cannot ${req.action} ${req.ssiId}: it is ${ssi.state}`, ssi);
    const blockers =
      req.requireGroupActive && req.action !== "resume"
        ? all.filter((s) => s.id !== req.ssiId && s.state !== "ACTIVE")
        : [];
    const errored = blockers.find((s) => s.state === "ERROR");
    if (errored)
      return fail(
        `group ${req.groupId} has ${errored.id} in ERROR; refusing to take another instance out`,
        ssi,
      );
    if (settled && blockers.length === 0) {
      current = ssi;
      break;
    }
    const why = settled
      ? `group ${req.groupId}: ${blockers.map((b) => `${b.id} ${b.state}`).join(", ")}`
      : `${req.ssiId} is ${ssi.state}`;
    if (req.check)
      return done(true, ssi, markOf(ssi), `would ${req.action} ${req.ssiId} once ${why} has settled`);
    if (hooks.now() >= deadline) return fail(`timed out waiting to start: ${why}`, ssi);
    hooks.progress(`waiting to ${req.action} (${why})`);
    await nap();
  }

  const previous = markOf(current);
  if (req.check) return done(true, current, previous, `would ${req.action} ${req.ssiId} (${current.state})`);
  await hooks.beforeIssue(previous);
  try {
    await api.statefulAction(req.groupId, req.ssiId, req.action, call);
  } catch (err) {
    if (err instanceof RemoteError)
      return fail(`${req.action} request failed: ${err.message}`, current, previous);
    throw err;
  }
  return waitForTarget(previous, `${PAST[req.action]} ${req.ssiId}`);
}
