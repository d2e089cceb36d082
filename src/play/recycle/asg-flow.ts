// The steps of an ASG replacement once it is recorded in the journal: suspend, surge or
// terminate, wait, health policy, wait for the old instance to go, put the group back. Shared by
// a fresh recycle (asg-recycle.ts) and a resumed one (asg-reattach.ts).
import type { AsgGroup } from "../../cloud/aws/types.js";
import {
  type InstanceView,
  instanceView,
  isGoing,
  isUp,
  midChange,
  ORIGINAL_DESIRED_TAG,
  ORIGINAL_MAX_TAG,
} from "./asg-group.js";
import type { ProtectedPolicy } from "./asg-recycle.js";
import { restoreGroup } from "./asg-restore.js";
import {
  type AsgInFlight,
  type AsgStrategy,
  limitReached,
  type RunState,
  readGroup,
  StepFailure,
  undoSurge,
  waitForOldGone,
  waitForReplacement,
  waitUntil,
} from "./asg-steps.js";
import { raiseMax } from "./asg-surge.js";
import { suspendFor } from "./asg-suspend.js";
import { awaitStableHealth, isTrivial } from "./bake.js";
import { hasProbes, probeAddress } from "./probe.js";

export interface Result {
  ok: boolean;
  changed: boolean;
  strategy?: AsgStrategy | "terminate_standby";
  instance?: InstanceView;
  previous?: InstanceView;
  batchSize?: number;
  msg: string;
}

/** From the first mutating call on: suspend, then the strategy. */
export async function carryOut(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  await suspendFor(run, data.suspend ?? []);
  if (data.strategy === "terminate_standby") return terminateStandby(run, data, why);
  if (data.strategy === "terminate_first") return terminateOld(run, data, why);
  await tagSurge(run, data);
  if (data.originalMax !== undefined) await raiseMax(run, data.originalMax, data.originalDesired);
  return scaleOut(run, data, why);
}

/** Record the surge before it happens: original desired capacity (and max size when raised). */
export async function tagSurge(run: RunState, data: AsgInFlight): Promise<void> {
  const tags = [{ key: ORIGINAL_DESIRED_TAG, value: String(data.originalDesired) }];
  if (data.originalMax !== undefined) tags.push({ key: ORIGINAL_MAX_TAG, value: String(data.originalMax) });
  await run.api.createOrUpdateTags(run.asgName, tags);
  run.phase = `tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} set`;
}

/** launch_first, step 2: raise desired by one, only if it is still what we read. */
export async function scaleOut(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const g = await readGroup(run);
  if (g.desiredCapacity !== data.originalDesired) {
    throw new StepFailure(
      `desired capacity of ${run.asgName} changed from ${data.originalDesired} to ${g.desiredCapacity} just before the scale-out (an autoscaler?): not overwriting it; nothing was changed`,
    );
  }
  try {
    await run.api.setDesiredCapacity(run.asgName, data.originalDesired + 1);
  } catch (err) {
    // The write may still have landed (a lost answer): only a fresh read says the tag can go.
    const now = await readGroup(run).catch(() => undefined);
    if (now?.desiredCapacity !== data.originalDesired) {
      run.keepDesiredTag = true;
      throw err;
    }
    throw new StepFailure(`${(err as Error).message}; nothing was changed`);
  }
  run.phase = `desired capacity raised to ${data.originalDesired + 1}, tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} set`;
  return finishSurge(run, data, why);
}

/** launch_first, steps 3–6: wait healthy, terminate the old one by id, wait, put the group back. */
export async function finishSurge(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const { api, asgName } = run;
  const t0 = run.hooks.now();
  const up = await waitForReplacement(run, data);
  const giveUp = async (what: string) => {
    const undo = await undoSurge(run, data);
    run.keepDesiredTag = !undo.restored;
    return new StepFailure(`${what}; ${undo.note}`);
  };
  if (!up.ok) {
    throw await giveUp(
      `${limitReached(run, t0)} waiting for a new instance in ${asgName} to be InService and Healthy (${up.status})`,
    );
  }
  const healthy = await checkReplacement(run, up.value.instanceId);
  if (healthy) throw await giveUp(healthy);
  const g = await readGroup(run);
  const notes: string[] = [];
  if (g.desiredCapacity !== data.originalDesired + 1) {
    notes.push(
      `desired capacity was changed to ${g.desiredCapacity} by someone else during the recycle; kept their change`,
    );
  }
  const old = g.instances.find((m) => m.instanceId === data.instanceId);
  if (old && !isGoing(old)) {
    // With decrement, the group shrinks by exactly the instance we name.
    const decrement = g.desiredCapacity > g.minSize;
    await api.terminateInstanceInAutoScalingGroup(data.instanceId, decrement);
    if (!decrement)
      notes.push(`desired capacity was at min size: terminated ${data.instanceId} without decrement`);
  }
  run.phase = `${data.instanceId} terminating, ${up.value.instanceId} InService, tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} left in place`;
  const t1 = run.hooks.now();
  const gone = await waitForOldGone(run, data);
  if (!gone.ok) {
    run.keepDesiredTag = true;
    throw new StepFailure(
      `${limitReached(run, t1)} waiting for ${data.instanceId} to leave ${asgName} (${gone.status}); ${run.phase}`,
    );
  }
  if (gone.group.desiredCapacity !== data.originalDesired && notes.length === 0) {
    notes.push(
      `desired capacity is ${gone.group.desiredCapacity}, was ${data.originalDesired} before the recycle`,
    );
  }
  return succeeded(run, data, up.value.instanceId, gone.group.desiredCapacity, why, notes);
}

/** terminate_first: terminate without decrement, from a fresh read. */
export async function terminateOld(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const g = await readGroup(run);
  const busy = midChange(g, true);
  if (busy)
    throw new StepFailure(
      `ASG ${run.asgName} became mid-change (${busy}); not terminating ${data.instanceId}`,
    );
  await run.api.terminateInstanceInAutoScalingGroup(data.instanceId, false);
  run.phase = `${data.instanceId} was terminated without decrement (desired capacity unchanged at ${data.originalDesired})`;
  return finishTerminateFirst(run, data, why);
}

export async function finishTerminateFirst(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const t0 = run.hooks.now();
  const up = await waitForReplacement(run, data);
  const short = `${run.phase}: the group is one instance short until Auto Scaling launches a healthy one`;
  if (!up.ok) {
    throw new StepFailure(
      `${limitReached(run, t0)} waiting for a new instance in ${run.asgName} to be InService and Healthy (${up.status}); ${short}`,
    );
  }
  const healthy = await checkReplacement(run, up.value.instanceId);
  if (healthy) throw new StepFailure(`${healthy}; ${short}`);
  const t1 = run.hooks.now();
  const gone = await waitForOldGone(run, data);
  if (!gone.ok) {
    throw new StepFailure(
      `${limitReached(run, t1)} waiting for ${data.instanceId} to leave ${run.asgName} (${gone.status})`,
    );
  }
  return succeeded(run, data, up.value.instanceId, gone.group.desiredCapacity, why, []);
}

/** protected: refresh on a Standby instance: it is outside desired capacity, so it is only terminated. */
export async function terminateStandby(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const g = await readGroup(run);
  const old = g.instances.find((m) => m.instanceId === data.instanceId);
  if (old && !isGoing(old)) await run.api.terminateInstanceInAutoScalingGroup(data.instanceId, false);
  const t0 = run.hooks.now();
  const gone = await waitForOldGone(run, data);
  if (!gone.ok) {
    throw new StepFailure(
      `${limitReached(run, t0)} waiting for ${data.instanceId} to leave ${run.asgName} (${gone.status})`,
    );
  }
  const notes = await restoreGroup(run, data, { keepDesiredTag: false });
  run.restored = true;
  const tail = notes.length > 0 ? `; ${notes.join("; ")}` : "";
  return {
    ok: true,
    changed: true,
    strategy: "terminate_standby",
    previous: data.previous,
    msg: `terminated ${data.instanceId}, which was on Standby (${why}; protected: refresh): Standby instances are outside desired capacity, so none replaces it${tail}`,
  };
}

/**
 * The health policy for a replacement: N consecutive passes (InService+Healthy and, when given,
 * the probes on its address) and the bake time. Undefined when healthy, else why not.
 */
async function checkReplacement(run: RunState, instanceId: string): Promise<string | undefined> {
  const probe = run.health.probe;
  if (isTrivial(run.health, hasProbes(probe))) return undefined;
  const [ec2] = await run.api.describeInstances([instanceId], { ignoreMissing: true });
  const ip = ec2?.privateIpAddress;
  const check = async (): Promise<string | undefined> => {
    const g = await readGroup(run).catch((err: Error) => err);
    if (g instanceof Error) return `group not readable (${g.message})`;
    const m = g.instances.find((x) => x.instanceId === instanceId);
    if (!m || !isUp(m)) return `${instanceId} is ${m ? `${m.lifecycleState}/${m.healthStatus}` : "gone"}`;
    if (!hasProbes(probe)) return undefined;
    if (!ip) return `${instanceId} has no private IP`;
    return probeAddress(ip, probe, run.hooks.signal);
  };
  const r = await awaitStableHealth(instanceId, run.health, check, run.deadline, run.hooks);
  if (r.ok) return undefined;
  return `the replacement ${instanceId} did not pass its health policy before the whole replacement's wait_timeout (${r.status})`;
}

/**
 * A scale-in protected or Standby instance, by policy: ignore → skip it; refresh → go on;
 * wait → until protection is removed / it is back InService (bounded like every wait).
 */
export async function settleProtection(
  run: RunState,
  g: AsgGroup,
  id: string,
  policy: ProtectedPolicy,
  check: boolean,
): Promise<{ skip?: string; group: AsgGroup }> {
  const m = g.instances.find((x) => x.instanceId === id);
  const what = (x: typeof m) =>
    x?.lifecycleState === "Standby"
      ? "on Standby"
      : x?.protectedFromScaleIn
        ? "protected from scale-in"
        : undefined;
  const now = what(m);
  if (!now || policy === "refresh") return { group: g };
  if (policy === "ignore") return { skip: `${id} is ${now}: not replaced (protected: ignore)`, group: g };
  if (check) return { group: g };
  const t0 = run.hooks.now();
  const r = await waitUntil<AsgGroup>(run, `${id} to be no longer ${now}`, (gg) => {
    const x = gg.instances.find((i) => i.instanceId === id);
    if (!x) throw new StepFailure(`${id} left ${run.asgName} while waiting for it to be no longer ${now}`);
    const still = what(x);
    return still ? { status: `${id} is ${still}` } : { done: gg };
  });
  if (!r.ok)
    throw new StepFailure(
      `${limitReached(run, t0)} waiting for ${id} to be no longer ${now} (protected: wait)`,
    );
  return { group: r.value };
}

async function succeeded(
  run: RunState,
  data: AsgInFlight,
  newId: string,
  desired: number,
  why: string,
  notes: string[],
): Promise<Result> {
  notes.push(...(await restoreGroup(run, data, { keepDesiredTag: false })));
  run.restored = true;
  const g = await readGroup(run);
  const [ec2] = await run.api.describeInstances([newId], { ignoreMissing: true });
  const instance = instanceView(
    g.instances.find((m) => m.instanceId === newId),
    ec2,
    newId,
  );
  const tail = notes.length > 0 ? `; ${notes.join("; ")}` : "";
  const strategy = data.strategy;
  return {
    ok: true,
    changed: true,
    strategy,
    instance,
    previous: data.previous,
    msg: `replaced ${data.instanceId} with ${newId} (${instance.privateIp ?? "no IP"}) using ${strategy} (${why}); desired capacity ${desired}${tail}`,
  };
}
