// How a Spotinst stateful action (recycle, pause, resume, deallocate) waits: one deadline, paced polls.
import { describeRateLimitWait, type SpotinstApi } from "../../cloud/spotinst/api.js";
import type { StatefulInstance } from "../../cloud/spotinst/types.js";
import type { InstanceMark, RecycleHooks, RecycleOutcome } from "./spotinst-recycle.js";

interface PollRequest {
  groupId: string;
  ssiId: string;
  pollIntervalMs: number;
  waitTimeoutMs: number;
}

/** One action under way: its request, its one overall deadline and the poller bound to it. */
export interface ActionRun<R extends PollRequest> {
  api: SpotinstApi;
  req: R;
  hooks: RecycleHooks;
  started: number;
  deadline: number;
  poller: ReturnType<typeof createPoller>;
}

/** The wait before acting ends with the instance to act on, or with the outcome itself. */
export type StartWait = { ready: StatefulInstance } | { outcome: RecycleOutcome };

/** The clock starts here: every wait of the action, before and after the request, shares it. */
export function startActionRun<R extends PollRequest>(
  api: SpotinstApi,
  req: R,
  hooks: RecycleHooks,
): ActionRun<R> {
  const started = hooks.now();
  const deadline = started + req.waitTimeoutMs;
  return { api, req, hooks, started, deadline, poller: createPoller(api, req, hooks, deadline) };
}

export function elapsedSeconds(run: ActionRun<PollRequest>): number {
  return Math.round((run.hooks.now() - run.started) / 1000);
}

/**
 * Polling shared by recycle and the other actions: one list call, and a deadline-bound sleep.
 * The client paces the list route by its rate-limit headers and waits out a 429's Reset itself,
 * up to the same overall deadline, so a rate limit slows a recycle down but never fails one that
 * is progressing — and never sends a burst into a blocked route.
 */
function createPoller(api: SpotinstApi, req: PollRequest, hooks: RecycleHooks, deadline: number) {
  const call = {
    deadlineAt: deadline,
    deadlineName: `wait_timeout (${Math.round(req.waitTimeoutMs / 1000)} s)`,
    onRateLimitWait: (w: Parameters<typeof describeRateLimitWait>[0]) =>
      hooks.progress(describeRateLimitWait(w)),
  };
  return {
    /** Options for this action's other calls (the PUT): the same deadline and reporting. */
    call,
    async poll(): Promise<{ ssi?: StatefulInstance; all: StatefulInstance[] }> {
      const all = await api.listStatefulInstances(req.groupId, call);
      return { ssi: all.find((s) => s.id === req.ssiId), all };
    },
    // Never sleep past the deadline: the last poll happens at the deadline, not an interval later.
    nap: () => hooks.sleep(Math.min(req.pollIntervalMs, Math.max(0, deadline - hooks.now())), hooks.signal),
  };
}

export function markOf(s: StatefulInstance): InstanceMark {
  return {
    instanceId: s.instanceId ?? null,
    launchedAt: s.launchedAt ?? null,
    privateIp: s.privateIp ?? null,
  };
}
