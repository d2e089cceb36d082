// The safe recycle of one Spotinst stateful instance, as plain logic over the API client:
// docs/reference/spotinst-api.md ("The stateful instance"; "Prior art and the bugs rollcall must not repeat").
//  - wait until the instance (and by default its whole group) is ACTIVE; ERROR fails at once;
//  - record instanceId + launchedAt, PUT recycle;
//  - done when ACTIVE *and* instanceId or launchedAt changed — never rely on seeing RECYCLING;
//  - ERROR / DEALLOCATED fail at once; every other state (RECYCLE, RECYCLING, PAUSED, RESUMING…:
//    Spot describes a recycle as a pause then a resume) is progress until the one overall deadline.
// Failures come back as data (`ok: false`); only interruption and programming errors throw.
import type { SpotinstApi } from "../../cloud/spotinst/api.js";
import type { StatefulInstance } from "../../cloud/spotinst/types.js";
import { foreignBusy, issueRecycle, reissueIfLost } from "./spotinst-lease.js";
import { type ActionRun, elapsedSeconds, markOf, type StartWait, startActionRun } from "./spotinst-poll.js";

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
  inFlight?: { previous: InstanceMark; issuedAt: string; accepted?: boolean };
  /**
   * Re-attach: when the journal has no record that Spotinst accepted the request and the first
   * poll finds the instance ACTIVE and unchanged, issue it now (a second PUT on a recycle that did
   * arrive is refused by Spotinst). Without it, that case fails at once, for the caller to decide.
   */
  reissue?: boolean;
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
  /** Spotinst accepted the PUT (the journal notes it: a re-attach then never issues it again). */
  afterIssue?(): Promise<void>;
  /**
   * The lease rule (spotinst-lease.ts): is this instance's unsettled state this run's doing? With
   * it, another instance caught mid-action by someone else refuses the recycle at once instead
   * of being waited out.
   */
  isOurs?(ssiId: string): boolean;
  /** Every poll after the action was issued sees the whole group (another run acting at once). */
  observe?(all: readonly StatefulInstance[]): void;
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

type RecycleRun = ActionRun<RecycleRequest>;

export async function recycleStatefulInstance(
  api: SpotinstApi,
  req: RecycleRequest,
  hooks: RecycleHooks,
): Promise<RecycleOutcome> {
  const run = startActionRun(api, req, hooks);
  const { poll, call } = run.poller;

  // Resume: the action was issued before a crash. Never issue it twice.
  if (req.inFlight) {
    const what = `re-attached to a recycle issued at ${req.inFlight.issuedAt}`;
    const lost = req.inFlight.accepted ? undefined : await reissueIfLost(api, req, hooks, poll, call);
    if (lost) return failRecycle(run, lost.msg, lost);
    return waitForReplacement(run, req.inFlight.previous, what);
  }

  // 1. Wait until it (and its group) is ACTIVE.
  const start = await waitUntilActive(run);
  if ("outcome" in start) return start.outcome;
  const current = start.ready;
  const previous = markOf(current);
  const skipped = finishWithoutIssuing(run, current, previous);
  if (skipped) return skipped;

  // 2. Act.
  await hooks.beforeIssue(previous);
  const refused = await issueRecycle(api, req, hooks, poll, previous, call);
  if (refused) return failRecycle(run, refused, { stateful: current, previous });
  return waitForReplacement(run, previous, `recycled ${req.ssiId}`);
}

function failRecycle(
  run: RecycleRun,
  msg: string,
  extra: { stateful?: StatefulInstance; previous?: InstanceMark } = {},
): RecycleOutcome {
  return { ok: false, msg, elapsed: elapsedSeconds(run), ...extra };
}

async function waitUntilActive(run: RecycleRun): Promise<StartWait> {
  const { req, hooks } = run;
  for (;;) {
    const { ssi, all } = await run.poller.poll();
    if (!ssi) {
      const msg = `stateful instance ${req.ssiId} not found in group ${req.groupId}`;
      return { outcome: failRecycle(run, msg) };
    }
    const blockers = req.requireGroupActive
      ? all.filter((s) => s.id !== req.ssiId && s.state !== "ACTIVE")
      : [];
    const refusal = refuseToStart(run, ssi, all, blockers);
    if (refusal) return { outcome: failRecycle(run, refusal, { stateful: ssi }) };
    if (ssi.state === "ACTIVE" && blockers.length === 0) return { ready: ssi };
    const why =
      ssi.state !== "ACTIVE"
        ? `${req.ssiId} is ${ssi.state}`
        : `group ${req.groupId}: ${blockers.map((b) => `${b.id} ${b.state}`).join(", ")}`;
    // A dry run reports instead of waiting out the group (it may never settle without us).
    if (req.check) {
      const msg = `would recycle ${req.ssiId} (${ssi.instanceId ?? "no instance"}) once ${why} has settled`;
      return { outcome: { ok: true, changed: true, stateful: ssi, previous: markOf(ssi), elapsed: 0, msg } };
    }
    if (hooks.now() >= run.deadline)
      return { outcome: failRecycle(run, `timed out waiting to start: ${why}`, { stateful: ssi }) };
    hooks.progress(`waiting for ACTIVE (${why})`);
    await run.poller.nap();
  }
}

/** Why this poll forbids starting at all (no amount of waiting helps), or undefined. */
function refuseToStart(
  run: RecycleRun,
  ssi: StatefulInstance,
  all: readonly StatefulInstance[],
  blockers: readonly StatefulInstance[],
): string | undefined {
  const { req, hooks } = run;
  if (ssi.state === "ERROR") return `stateful instance ${req.ssiId} is in ERROR; not recycling it`;
  if (ssi.state === "DEALLOCATED") return `stateful instance ${req.ssiId} is DEALLOCATED`;
  const errored = blockers.find((s) => s.state === "ERROR");
  if (errored)
    return `group ${req.groupId} has ${errored.id} in ERROR; refusing to take another instance out`;
  return hooks.isOurs ? foreignBusy(all, req.ssiId, hooks.isOurs) : undefined;
}

/** An ACTIVE instance needs no PUT when a resumed run already recycled it, or on a dry run. */
function finishWithoutIssuing(
  run: RecycleRun,
  current: StatefulInstance,
  previous: InstanceMark,
): RecycleOutcome | undefined {
  const { req } = run;
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
      elapsed: elapsedSeconds(run),
      msg: `already recycled: launched at ${current.launchedAt}, after this run started at ${req.runStartedAt}`,
    };
  }
  if (!req.check) return undefined;
  const msg = `would recycle ${req.ssiId} (${current.instanceId})`;
  return { ok: true, changed: true, stateful: current, previous, elapsed: 0, msg };
}

/** 3. Wait for a different, ACTIVE instance (a re-attach after a crash starts here too). */
async function waitForReplacement(
  run: RecycleRun,
  prev: InstanceMark,
  what: string,
): Promise<RecycleOutcome> {
  const { req, hooks } = run;
  let pausedSince: number | undefined;
  // Only a re-attach can find the action not started: our own PUT was just accepted.
  let untouchedSince = req.inFlight ? Date.parse(req.inFlight.issuedAt) : undefined;
  for (;;) {
    const { ssi, all } = await run.poller.poll();
    hooks.observe?.(all);
    if (!ssi)
      return failRecycle(run, `stateful instance ${req.ssiId} disappeared from group ${req.groupId}`, {
        previous: prev,
      });
    const replaced = ssi.instanceId !== prev.instanceId || ssi.launchedAt !== prev.launchedAt;
    if (ssi.state === "ACTIVE" && replaced && ssi.instanceId) {
      return {
        ok: true,
        changed: true,
        stateful: ssi,
        previous: prev,
        elapsed: elapsedSeconds(run),
        msg: `${what}: ${prev.instanceId} → ${ssi.instanceId} at ${ssi.privateIp ?? "no IP"}`,
      };
    }
    if (ssi.state === "ERROR" || ssi.state === "DEALLOCATED") {
      return failRecycle(run, `recycle of ${req.ssiId} ended in ${ssi.state}`, {
        stateful: ssi,
        previous: prev,
      });
    }
    if (untouchedSince !== undefined) {
      if (ssi.state !== "ACTIVE" || replaced) untouchedSince = undefined;
      else if (hooks.now() - untouchedSince > (req.notStartedGraceMs ?? 120_000)) {
        return failRecycle(
          run,
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
        return failRecycle(run, `recycle of ${req.ssiId} stopped in PAUSED`, {
          stateful: ssi,
          previous: prev,
        });
      }
    } else pausedSince = undefined;
    if (hooks.now() >= run.deadline) {
      return failRecycle(
        run,
        `timed out after ${elapsedSeconds(run)} s (wait_timeout ${Math.round(req.waitTimeoutMs / 1000)} s): ` +
          `${req.ssiId} is ${ssi.state}${ssi.instanceId === prev.instanceId ? ` on ${prev.instanceId}` : ""}`,
        { stateful: ssi, previous: prev },
      );
    }
    hooks.progress(`${req.ssiId} ${ssi.state}`);
    await run.poller.nap();
  }
}
