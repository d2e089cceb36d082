// Replace one Auto Scaling group instance safely (docs/reference/rolling-recycle.md, "What rolling tools converge on"):
//  - refuse a group that is mid-change (launching/terminating, unhealthy, desired ≠ InService,
//    an active instance refresh, or a leftover original-desired tag from an unfinished run);
//  - launch_first ("3-4-3"): tag the original desired capacity, re-read, raise desired by one only
//    if nobody moved it, wait for a new InService+Healthy instance, then terminate *the named*
//    old instance with decrement — never lower desired and let Auto Scaling pick the victim;
//  - terminate_first ("3-2-3"): terminate the old instance without decrement, wait for the
//    replacement;
//  - both wait until the old instance has left and the group is steady, so the next host starts
//    from a steady group. Failures come back as data; only interruption throws.
import type { AwsApi } from "../../cloud/aws/api.js";
import { RemoteError } from "../../errors.js";
import {
  activeRefresh,
  classifyInstance,
  type InstanceView,
  instanceView,
  isGoing,
  midChange,
  ORIGINAL_DESIRED_TAG,
  originalDesiredTag,
} from "./asg-group.js";
import {
  type AsgInFlight,
  type AsgRecycleHooks,
  type AsgStrategy,
  newMembers,
  type RunState,
  readGroup,
  StepFailure,
  undoSurge,
  waitForOldGone,
  waitForReplacement,
} from "./asg-steps.js";

export type { AsgInFlight, AsgRecycleHooks, AsgStrategy } from "./asg-steps.js";

export interface AsgRecycleRequest {
  asgName: string;
  instanceId: string;
  strategy: AsgStrategy | "auto";
  /** Skip (changed: false) an instance already on the group's current template version. */
  onlyIfOutdated: boolean;
  /** Per wait: for the replacement to be healthy, then for the old instance to be gone. */
  waitTimeoutMs: number;
  pollIntervalMs: number;
  /** Report, don't act (--check): no mutating call. */
  check: boolean;
  /** Resume: the action an earlier attempt of this run issued. Never issued again. */
  inFlight?: { data: AsgInFlight; issuedAt: string };
}

export interface AsgRecycleOutcome {
  ok: boolean;
  changed: boolean;
  strategy?: AsgStrategy;
  /** The replacement (or, when nothing changed, the instance itself). */
  instance?: InstanceView;
  previous?: InstanceView;
  elapsed: number;
  msg: string;
}

export async function recycleAsgInstance(
  api: AwsApi,
  req: AsgRecycleRequest,
  hooks: AsgRecycleHooks,
): Promise<AsgRecycleOutcome> {
  const started = hooks.now();
  const elapsed = () => Math.round((hooks.now() - started) / 1000);
  const run: RunState = {
    api,
    asgName: req.asgName,
    waitTimeoutMs: req.waitTimeoutMs,
    pollIntervalMs: req.pollIntervalMs,
    hooks,
    phase: "nothing was changed",
  };
  let previous: InstanceView | undefined = req.inFlight?.data.previous;
  try {
    const done = req.inFlight ? await reattach(run, req.inFlight.data, req.inFlight.issuedAt) : undefined;
    if (done) return { ...done, elapsed: elapsed() };
    const pre = await preflight(run, req);
    previous = pre.previous;
    return { ...pre.outcome, elapsed: elapsed() };
  } catch (err) {
    if (err instanceof StepFailure)
      return { ok: false, changed: false, previous, elapsed: elapsed(), msg: err.message };
    if (err instanceof RemoteError) {
      return { ok: false, changed: false, previous, elapsed: elapsed(), msg: `${err.message}; ${run.phase}` };
    }
    throw err;
  }
}

type Result = Omit<AsgRecycleOutcome, "elapsed">;

async function preflight(
  run: RunState,
  req: AsgRecycleRequest,
): Promise<{ previous?: InstanceView; outcome: Result }> {
  const { api, asgName } = run;
  const id = req.instanceId;
  const g = await readGroup(run);
  const member = g.instances.find((m) => m.instanceId === id);
  if (!member) {
    throw new StepFailure(
      `${id} is not a member of ${asgName} (already replaced? the inventory may be stale)`,
    );
  }
  const [ec2] = await api.describeInstances([id], { ignoreMissing: true });
  const previous = instanceView(member, ec2, id);
  const cls = await classifyInstance(api, g, member, ec2);
  const unchanged = (msg: string): { previous: InstanceView; outcome: Result } => ({
    previous,
    outcome: { ok: true, changed: false, instance: previous, previous, msg },
  });
  if (req.onlyIfOutdated && cls.outdated === false) return unchanged(`${id} is already on ${cls.want}`);
  if (req.onlyIfOutdated && cls.outdated === null) {
    throw new StepFailure(
      `cannot tell whether ${id} is outdated (${cls.have}, group wants ${cls.want}); set only_if_outdated: false to replace it anyway`,
    );
  }
  const why = cls.outdated ? `outdated: ${cls.change}` : `not outdated: ${cls.have}`;
  const busy = midChange(g) ?? activeRefresh(await api.describeInstanceRefreshes(asgName));
  if (busy) throw new StepFailure(`ASG ${asgName} is mid-change (${busy}); refusing to replace ${id}`);
  const tagged = originalDesiredTag(g);
  if (tagged !== undefined && tagged !== g.desiredCapacity) {
    throw new StepFailure(
      `ASG ${asgName} has tag ${ORIGINAL_DESIRED_TAG}=${tagged} but desired capacity ${g.desiredCapacity}: an earlier recycle did not finish; set desired capacity back, delete the tag, then run again`,
    );
  }
  const strategy = pickStrategy(req.strategy, g.desiredCapacity, g.maxSize);
  if (req.check) {
    return {
      previous,
      outcome: {
        ok: true,
        changed: true,
        strategy,
        instance: previous,
        previous,
        msg: `would replace ${id} (${why}) using ${strategy}`,
      },
    };
  }
  const data: AsgInFlight = {
    asgName,
    instanceId: id,
    strategy,
    originalDesired: g.desiredCapacity,
    before: g.instances.map((m) => m.instanceId),
    previous,
  };
  await run.hooks.beforeIssue(data);
  if (strategy === "launch_first") {
    await api.createOrUpdateTags(asgName, [
      { key: ORIGINAL_DESIRED_TAG, value: String(data.originalDesired) },
    ]);
    run.phase = `tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} set`;
    return { previous, outcome: await scaleOut(run, data, why) };
  }
  return { previous, outcome: await terminateOld(run, data, why) };
}

function pickStrategy(wanted: AsgStrategy | "auto", desired: number, max: number): AsgStrategy {
  if (wanted === "terminate_first") return wanted;
  if (desired + 1 <= max) return "launch_first";
  if (wanted === "auto") return "terminate_first";
  throw new StepFailure(
    `launch_first needs room for one more instance, but desired capacity ${desired} = max size ${max}: raise the max or use strategy terminate_first`,
  );
}

/** launch_first, step 2: raise desired by one, only if it is still what we read. */
async function scaleOut(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const g = await readGroup(run);
  if (g.desiredCapacity !== data.originalDesired) {
    await run.api.deleteTags(run.asgName, [ORIGINAL_DESIRED_TAG]);
    throw new StepFailure(
      `desired capacity of ${run.asgName} changed from ${data.originalDesired} to ${g.desiredCapacity} just before the scale-out (an autoscaler?): not overwriting it; nothing was changed`,
    );
  }
  try {
    await run.api.setDesiredCapacity(run.asgName, data.originalDesired + 1);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    // The write may still have landed (a lost answer): only a fresh read says the tag can go.
    const now = await readGroup(run).catch(() => undefined);
    if (now?.desiredCapacity !== data.originalDesired) throw err;
    await run.api.deleteTags(run.asgName, [ORIGINAL_DESIRED_TAG]);
    throw new StepFailure(`${err.message}; nothing was changed`);
  }
  run.phase = `desired capacity raised to ${data.originalDesired + 1}, tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} set`;
  return finishSurge(run, data, why);
}

/** launch_first, steps 3–5: wait healthy, terminate the old one by id, wait, drop the tag. */
async function finishSurge(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const { api, asgName } = run;
  const up = await waitForReplacement(run, data);
  if (!up.ok) {
    const undo = await undoSurge(run, data);
    throw new StepFailure(
      `timed out after ${seconds(run)} s waiting for a new instance in ${asgName} to be InService and Healthy (${up.status}); ${undo}`,
    );
  }
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
  const gone = await waitForOldGone(run, data);
  if (!gone.ok) {
    throw new StepFailure(
      `timed out after ${seconds(run)} s waiting for ${data.instanceId} to leave ${asgName} (${gone.status}); ${run.phase}`,
    );
  }
  if (gone.group.desiredCapacity !== data.originalDesired && notes.length === 0) {
    notes.push(
      `desired capacity is ${gone.group.desiredCapacity}, was ${data.originalDesired} before the recycle`,
    );
  }
  await api.deleteTags(asgName, [ORIGINAL_DESIRED_TAG]);
  return succeeded(run, data, up.value.instanceId, gone.group.desiredCapacity, why, notes);
}

/** terminate_first: terminate without decrement, from a fresh read. */
async function terminateOld(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const g = await readGroup(run);
  const busy = midChange(g);
  if (busy)
    throw new StepFailure(
      `ASG ${run.asgName} became mid-change (${busy}); not terminating ${data.instanceId}`,
    );
  await run.api.terminateInstanceInAutoScalingGroup(data.instanceId, false);
  run.phase = `${data.instanceId} was terminated without decrement (desired capacity unchanged at ${data.originalDesired})`;
  return finishTerminateFirst(run, data, why);
}

async function finishTerminateFirst(run: RunState, data: AsgInFlight, why: string): Promise<Result> {
  const up = await waitForReplacement(run, data);
  if (!up.ok) {
    throw new StepFailure(
      `timed out after ${seconds(run)} s waiting for a new instance in ${run.asgName} to be InService and Healthy (${up.status}); ${run.phase}: the group is one instance short until Auto Scaling launches a healthy one`,
    );
  }
  const gone = await waitForOldGone(run, data);
  if (!gone.ok) {
    throw new StepFailure(
      `timed out after ${seconds(run)} s waiting for ${data.instanceId} to leave ${run.asgName} (${gone.status})`,
    );
  }
  return succeeded(run, data, up.value.instanceId, gone.group.desiredCapacity, why, []);
}

/** Resume: find where the earlier attempt got to and finish from there; never issue twice. */
async function reattach(run: RunState, data: AsgInFlight, issuedAt: string): Promise<Result> {
  const g = await readGroup(run);
  const old = g.instances.find((m) => m.instanceId === data.instanceId);
  const untouched = old !== undefined && !isGoing(old) && newMembers(g, data).length === 0;
  const why = `re-attached to a recycle issued at ${issuedAt}`;
  if (data.strategy === "launch_first") {
    run.phase = `tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} may be set`;
    // The crash came before the scale-out took effect: it was never applied, so apply it now.
    if (untouched && g.desiredCapacity === data.originalDesired) {
      await run.api.createOrUpdateTags(run.asgName, [
        { key: ORIGINAL_DESIRED_TAG, value: String(data.originalDesired) },
      ]);
      return scaleOut(run, data, why);
    }
    run.phase = `desired capacity ${g.desiredCapacity}, tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} left in place`;
    return finishSurge(run, data, why);
  }
  if (untouched) return terminateOld(run, data, why);
  run.phase = `${data.instanceId} is terminating or gone`;
  return finishTerminateFirst(run, data, why);
}

async function succeeded(
  run: RunState,
  data: AsgInFlight,
  newId: string,
  desired: number,
  why: string,
  notes: string[],
): Promise<Result> {
  const g = await readGroup(run);
  const [ec2] = await run.api.describeInstances([newId], { ignoreMissing: true });
  const instance = instanceView(
    g.instances.find((m) => m.instanceId === newId),
    ec2,
    newId,
  );
  const tail = notes.length > 0 ? `; ${notes.join("; ")}` : "";
  return {
    ok: true,
    changed: true,
    strategy: data.strategy,
    instance,
    previous: data.previous,
    msg: `replaced ${data.instanceId} with ${newId} (${instance.privateIp ?? "no IP"}) using ${data.strategy} (${why}); desired capacity ${desired}${tail}`,
  };
}

const seconds = (run: RunState) => Math.round(run.waitTimeoutMs / 1000);
