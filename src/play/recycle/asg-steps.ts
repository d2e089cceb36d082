// The moving parts an ASG recycle is built from: a fresh group read, a poll loop with one
// deadline that rides out throttling, and undoing a surge whose replacement never got healthy.
// See asg-recycle.ts for the order they run in.
import type { AwsApi } from "../../cloud/aws/api.js";
import type { AsgGroup, AsgMember } from "../../cloud/aws/types.js";
import { InterruptedError, RemoteError } from "../../errors.js";
import { type InstanceView, isGoing, isUp, midChange, ORIGINAL_DESIRED_TAG } from "./asg-group.js";
import type { HealthPolicy } from "./bake.js";
import type { ProbeSpec } from "./probe.js";

export type AsgStrategy = "launch_first" | "terminate_first";

/** What the journal keeps so a resume can re-attach (JSON, nothing secret). */
export interface AsgInFlight {
  asgName: string;
  instanceId: string;
  /** terminate_standby: a Standby instance under `protected: refresh` is terminated, not replaced. */
  strategy: AsgStrategy | "terminate_standby";
  originalDesired: number;
  /** Members before we acted: the replacement is a member not in this list. */
  before: string[];
  previous: InstanceView;
  /** Processes this recycle suspends (those not suspended already); resumed exactly afterwards. */
  suspend?: string[];
  /** Set when the surge needs max size raised by one: the max size before. */
  originalMax?: number;
}

export interface AsgRecycleHooks {
  signal: AbortSignal;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  /** Live status for a TTY. */
  progress(message: string, elapsedMs: number, timeoutMs: number): void;
  /** Called before the first mutating call: the journal records the action for --resume. */
  beforeIssue(data: AsgInFlight): Promise<void>;
  /**
   * Called once the instance is known to need replacing, before anything changes (also with
   * --check): the group precheck and the lease. A message refuses the replacement.
   */
  beforeAct?(group: AsgGroup, check: boolean): Promise<string | undefined>;
}

export interface RunState {
  api: AwsApi;
  asgName: string;
  /** The whole replacement's deadline (epoch ms): replacement healthy *and* the old one gone. */
  deadline: number;
  /** Each wait's own limit (replacement healthy; old instance gone). */
  stepTimeoutMs: number;
  pollIntervalMs: number;
  hooks: AsgRecycleHooks;
  /** What has been changed so far, for failure messages ("desired capacity raised to 4 …"). */
  phase: string;
  /** What a replacement must pass before it counts as healthy. */
  health: HealthPolicy & { probe?: ProbeSpec };
  /** Max size, processes and tags were already put back (success path). */
  restored?: boolean;
  /** The surge could not be undone: `rollcall:original-desired` must stay for the next run to see. */
  keepDesiredTag?: boolean;
}

/** A failure that ends the recycle with this message (turned into data by the caller). */
export class StepFailure extends Error {}

/** Re-read the group (never trust an earlier read before a write: autoscalers move it). */
export async function readGroup(run: RunState): Promise<AsgGroup> {
  const [group] = await run.api.describeAutoScalingGroups({ names: [run.asgName] });
  if (!group) throw new StepFailure(`Auto Scaling group ${run.asgName} not found in ${run.api.region}`);
  return group;
}

function isTransientError(err: unknown): boolean {
  if (!(err instanceof RemoteError)) return false;
  const { status, code } = err.data;
  return (status !== undefined && status >= 500) || /Throttl|RequestLimitExceeded|TooMany/i.test(code ?? "");
}

export type WaitResult<T> = { ok: true; value: T; group: AsgGroup } | { ok: false; status: string };

/** Poll the group until `test` says done, or `waitTimeoutMs` passes (data, not an exception). */
export async function waitUntil<T>(
  run: RunState,
  what: string,
  test: (g: AsgGroup) => { done: T } | { status: string },
): Promise<WaitResult<T>> {
  const { hooks } = run;
  const start = hooks.now();
  const deadline = Math.min(start + run.stepTimeoutMs, run.deadline);
  let status = "not read yet";
  for (;;) {
    let group: AsgGroup | undefined;
    try {
      group = await readGroup(run);
    } catch (err) {
      // The SDK already retried; a rate limit or a 5xx must still not fail a recycle that is
      // progressing, so keep polling while the deadline allows.
      if (!isTransientError(err) || hooks.now() >= deadline) throw err;
      status = `API unavailable (${(err as RemoteError).data.code ?? "error"}), retrying`;
    }
    if (group) {
      const r = test(group);
      if ("done" in r) return { ok: true, value: r.done, group };
      status = r.status;
    }
    if (hooks.now() >= deadline) return { ok: false, status };
    hooks.progress(`waiting for ${what}: ${status}`, hooks.now() - start, deadline - start);
    await hooks.sleep(Math.min(run.pollIntervalMs, Math.max(0, deadline - hooks.now())), hooks.signal);
    if (hooks.signal.aborted) throw new InterruptedError();
  }
}

/** Members that appeared after we acted (launching or up), never the old one. */
export function newMembers(g: AsgGroup, data: AsgInFlight): AsgMember[] {
  const before = new Set(data.before);
  return g.instances.filter(
    (m) =>
      !before.has(m.instanceId) &&
      m.instanceId !== data.instanceId &&
      !isGoing(m) &&
      m.lifecycleState !== "Standby",
  );
}

/** "timed out after 30 s (wait_timeout 900 s)" — which limit ran out. */
export function limitReached(run: RunState, startedAt: number): string {
  const stepEnd = startedAt + run.stepTimeoutMs;
  const s = (ms: number) => +(ms / 1000).toFixed(1);
  const which =
    run.deadline <= stepEnd
      ? "the whole replacement's wait_timeout"
      : `step_timeout ${s(run.stepTimeoutMs)} s`;
  return `timed out after ${s(run.hooks.now() - startedAt)} s (${which})`;
}

const describeMember = (m: AsgMember) => `${m.instanceId} ${m.lifecycleState}/${m.healthStatus}`;

export function waitForReplacement(run: RunState, data: AsgInFlight): Promise<WaitResult<AsgMember>> {
  return waitUntil<AsgMember>(run, `a new instance in ${data.asgName} to be InService and Healthy`, (g) => {
    const fresh = newMembers(g, data);
    const up = fresh.find(isUp);
    if (up) return { done: up };
    return { status: fresh.length > 0 ? fresh.map(describeMember).join(", ") : "no new instance yet" };
  });
}

/** Until the old instance has left the group and the group is steady again. */
export function waitForOldGone(run: RunState, data: AsgInFlight): Promise<WaitResult<AsgGroup>> {
  return waitUntil<AsgGroup>(run, `${data.instanceId} to leave ${data.asgName}`, (g) => {
    const old = g.instances.find((m) => m.instanceId === data.instanceId);
    if (old) return { status: describeMember(old) };
    // Standby members are outside desired capacity: they do not keep the group from being steady.
    const busy = midChange(g, true);
    return busy ? { status: busy } : { done: g };
  });
}

/**
 * A surge whose replacement never became healthy: put the group back to its original desired
 * capacity by terminating *our* extra instance by id (with decrement), so Auto Scaling never
 * chooses a victim — its default policy would pick the outdated old instance. Returns what it
 * did, for the failure message; `restored: false` leaves the original-desired tag in place.
 */
export async function undoSurge(
  run: RunState,
  data: AsgInFlight,
): Promise<{ note: string; restored: boolean }> {
  const { api, asgName } = run;
  const orig = data.originalDesired;
  const keep = `tag ${ORIGINAL_DESIRED_TAG}=${orig} left in place`;
  try {
    const g = await readGroup(run);
    if (g.desiredCapacity !== orig + 1) {
      return {
        note: `desired capacity is ${g.desiredCapacity}, not the ${orig + 1} rollcall set (changed by someone else): left as is, ${keep}`,
        restored: false,
      };
    }
    const extra = newMembers(g, data).sort((a, b) => Number(isUp(a)) - Number(isUp(b)));
    const active = g.instances.filter((m) => !isGoing(m) && m.lifecycleState !== "Standby").length;
    let did: string;
    if (extra[0]) {
      await api.terminateInstanceInAutoScalingGroup(extra[0].instanceId, true);
      did = `terminated the replacement ${extra[0].instanceId} and set desired capacity back to ${orig}`;
    } else if (active <= orig) {
      // Nothing launched: lowering desired terminates nothing, so no victim is chosen.
      await api.setDesiredCapacity(asgName, orig);
      did = `set desired capacity back to ${orig} (no replacement had launched)`;
    } else {
      return {
        note: `desired capacity left at ${orig + 1} (could not tell which instance is extra), ${keep}`,
        restored: false,
      };
    }
    return { note: `${did}; ${data.instanceId} was not touched`, restored: true };
  } catch (err) {
    if (err instanceof RemoteError || err instanceof StepFailure) {
      return {
        note: `restoring desired capacity failed too (${err.message}): desired capacity ${orig + 1}, ${keep}`,
        restored: false,
      };
    }
    throw err;
  }
}
