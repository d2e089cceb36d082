// The safe recycle of one Spotinst stateful instance, as plain logic over the API client:
// docs/reference/spotinst-api.md ("The stateful instance"; "Prior art and the bugs rollcall must not repeat").
//  - wait until the instance (and by default its whole group) is ACTIVE; ERROR fails at once;
//  - record instanceId + launchedAt, PUT recycle;
//  - done when ACTIVE *and* instanceId or launchedAt changed — never rely on seeing RECYCLING;
//  - ERROR / DEALLOCATED fail at once; every other state (RECYCLE, RECYCLING, PAUSED, RESUMING…:
//    Spot describes a recycle as a pause then a resume) is progress until the one overall deadline.
// Failures come back as data (`ok: false`); only interruption and programming errors throw.
import { describeRateLimitWait, type SpotinstApi } from "../../cloud/spotinst/api.js";
import type { StatefulInstance } from "../../cloud/spotinst/types.js";
import { RemoteError } from "../../errors.js";

export interface RecycleRequest {
  groupId: string;
  ssiId: string;
  /** Wait for every stateful instance of the group to be ACTIVE before acting (senza's rule). */
  requireGroupActive: boolean;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  /**
   * How long PAUSED may last before it counts as a failure. Unset (the default): the whole
   * wait — a recycle is a pause then a resume, and snapshotting volumes may keep it PAUSED a while.
   */
  pausedGraceMs?: number;
  /** Report, don't act (--check). */
  check: boolean;
  /**
   * Resume: an action this logical run already issued for this instance. The recycle is not
   * issued again; we re-attach and wait for the instance to differ from `previous`.
   */
  inFlight?: { previous: InstanceMark; issuedAt: string };
  /** Resume: the logical run's start. An instance launched after it was already recycled. */
  runStartedAt?: string;
  /**
   * Resume: when the instance is still ACTIVE and unchanged this long after `inFlight.issuedAt`,
   * the interrupted PUT most likely never reached Spotinst: fail with a clear message instead of
   * waiting out the whole timeout (issuing it again could recycle twice). Default 120000.
   */
  notStartedGraceMs?: number;
}

export interface InstanceMark {
  instanceId: string | null;
  launchedAt: string | null;
  privateIp: string | null;
}

export interface RecycleHooks {
  signal: AbortSignal;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  /** Called just before the PUT: the journal records the action so a crash can re-attach. */
  beforeIssue(previous: InstanceMark): Promise<void>;
  /** Live status for a TTY ("RECYCLING, 40 s / 600 s"). */
  progress(message: string): void;
}

export type RecycleOutcome =
  | {
      ok: true;
      changed: boolean;
      stateful: StatefulInstance;
      previous: InstanceMark;
      elapsed: number;
      msg: string;
    }
  | { ok: false; msg: string; stateful?: StatefulInstance; previous?: InstanceMark; elapsed: number };

export async function recycleStatefulInstance(
  api: SpotinstApi,
  req: RecycleRequest,
  hooks: RecycleHooks,
): Promise<RecycleOutcome> {
  const started = hooks.now();
  const deadline = started + req.waitTimeoutMs;
  const elapsed = () => Math.round((hooks.now() - started) / 1000);
  const fail = (
    msg: string,
    extra: { stateful?: StatefulInstance; previous?: InstanceMark } = {},
  ): RecycleOutcome => ({
    ok: false,
    msg,
    elapsed: elapsed(),
    ...extra,
  });

  const { poll, nap, call } = createPoller(api, req, hooks, deadline);

  // Resume: the action was issued before a crash. Never issue it twice.
  if (req.inFlight) {
    return waitForReplacement(
      req.inFlight.previous,
      "re-attached to a recycle issued at " + req.inFlight.issuedAt,
    );
  }

  // 1. Wait until it (and its group) is ACTIVE.
  let current: StatefulInstance;
  for (;;) {
    const { ssi, all } = await poll();
    if (!ssi) return fail(`stateful instance ${req.ssiId} not found in group ${req.groupId}`);
    if (ssi.state === "ERROR")
      return fail(`stateful instance ${req.ssiId} is in ERROR; not recycling it`, { stateful: ssi });
    if (ssi.state === "DEALLOCATED")
      return fail(`stateful instance ${req.ssiId} is DEALLOCATED`, { stateful: ssi });
    const blockers = req.requireGroupActive
      ? all.filter((s) => s.id !== req.ssiId && s.state !== "ACTIVE")
      : [];
    const errored = blockers.find((s) => s.state === "ERROR");
    if (errored) {
      return fail(`group ${req.groupId} has ${errored.id} in ERROR; refusing to take another instance out`, {
        stateful: ssi,
      });
    }
    if (ssi.state === "ACTIVE" && blockers.length === 0) {
      current = ssi;
      break;
    }
    const why =
      ssi.state !== "ACTIVE"
        ? `${req.ssiId} is ${ssi.state}`
        : `group ${req.groupId}: ${blockers.map((b) => `${b.id} ${b.state}`).join(", ")}`;
    // A dry run reports instead of waiting out the group (it may never settle without us).
    if (req.check) {
      return {
        ok: true,
        changed: true,
        stateful: ssi,
        previous: markOf(ssi),
        elapsed: 0,
        msg: `would recycle ${req.ssiId} (${ssi.instanceId ?? "no instance"}) once ${why} has settled`,
      };
    }
    if (hooks.now() >= deadline) return fail(`timed out waiting to start: ${why}`, { stateful: ssi });
    hooks.progress(`waiting for ACTIVE (${why})`);
    await nap();
  }

  const previous = markOf(current);
  if (
    req.runStartedAt &&
    current.launchedAt &&
    Date.parse(current.launchedAt) > Date.parse(req.runStartedAt)
  ) {
    return {
      ok: true,
      changed: false,
      stateful: current,
      previous,
      elapsed: elapsed(),
      msg: `already recycled: launched at ${current.launchedAt}, after this run started at ${req.runStartedAt}`,
    };
  }
  if (req.check) {
    return {
      ok: true,
      changed: true,
      stateful: current,
      previous,
      elapsed: 0,
      msg: `would recycle ${req.ssiId} (${current.instanceId})`,
    };
  }

  // 2. Act.
  await hooks.beforeIssue(previous);
  try {
    await api.statefulAction(req.groupId, req.ssiId, "recycle", call);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    // The client retries a PUT that timed out; if the first attempt was accepted, the retry is
    // refused (invalid state) although the recycle runs. One look tells the two apart.
    const { ssi } = await poll();
    const started = ssi && (ssi.state !== "ACTIVE" || ssi.instanceId !== previous.instanceId);
    if (!started) return fail(`recycle request failed: ${err.message}`, { stateful: current, previous });
  }
  return waitForReplacement(previous, `recycled ${req.ssiId}`);

  // 3. Wait for a different, ACTIVE instance.
  async function waitForReplacement(prev: InstanceMark, what: string): Promise<RecycleOutcome> {
    let pausedSince: number | undefined;
    // Only a re-attach can find the action not started: our own PUT was just accepted.
    let untouchedSince = req.inFlight ? Date.parse(req.inFlight.issuedAt) : undefined;
    for (;;) {
      const { ssi } = await poll();
      if (!ssi)
        return fail(`stateful instance ${req.ssiId} disappeared from group ${req.groupId}`, {
          previous: prev,
        });
      const replaced = ssi.instanceId !== prev.instanceId || ssi.launchedAt !== prev.launchedAt;
      if (ssi.state === "ACTIVE" && replaced && ssi.instanceId) {
        return {
          ok: true,
          changed: true,
          stateful: ssi,
          previous: prev,
          elapsed: elapsed(),
          msg: `${what}: ${prev.instanceId} → ${ssi.instanceId} at ${ssi.privateIp ?? "no IP"}`,
        };
      }
      if (ssi.state === "ERROR" || ssi.state === "DEALLOCATED") {
        return fail(`recycle of ${req.ssiId} ended in ${ssi.state}`, { stateful: ssi, previous: prev });
      }
      if (untouchedSince !== undefined) {
        if (ssi.state !== "ACTIVE" || replaced) untouchedSince = undefined;
        else if (hooks.now() - untouchedSince > (req.notStartedGraceMs ?? 120_000)) {
          return fail(
            `the recycle of ${req.ssiId} issued at ${req.inFlight?.issuedAt} never started (still ACTIVE on ` +
              `${prev.instanceId}): the interrupted request probably never reached Spotinst; recycle it again ` +
              "with a new run (without --resume) if it still needs it",
            { stateful: ssi, previous: prev },
          );
        }
      }
      if (ssi.state === "PAUSED" && req.pausedGraceMs !== undefined) {
        pausedSince ??= hooks.now();
        if (hooks.now() - pausedSince > req.pausedGraceMs) {
          return fail(`recycle of ${req.ssiId} stopped in PAUSED`, { stateful: ssi, previous: prev });
        }
      } else pausedSince = undefined;
      if (hooks.now() >= deadline) {
        return fail(
          `timed out after ${elapsed()} s (wait_timeout ${Math.round(req.waitTimeoutMs / 1000)} s): ` +
            `${req.ssiId} is ${ssi.state}${ssi.instanceId === prev.instanceId ? ` on ${prev.instanceId}` : ""}`,
          { stateful: ssi, previous: prev },
        );
      }
      hooks.progress(`${req.ssiId} ${ssi.state}`);
      await nap();
    }
  }
}

export interface PollRequest {
  groupId: string;
  ssiId: string;
  pollIntervalMs: number;
  waitTimeoutMs: number;
}

/**
 * Polling shared by recycle and the other actions: one list call, and a deadline-bound sleep.
 * The client paces the list route by its rate-limit headers and waits out a 429's Reset itself,
 * up to the same overall deadline, so a rate limit slows a recycle down but never fails one that
 * is progressing — and never sends a burst into a blocked route.
 */
export function createPoller(api: SpotinstApi, req: PollRequest, hooks: RecycleHooks, deadline: number) {
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
