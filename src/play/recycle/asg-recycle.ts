// Replace one Auto Scaling group instance safely (docs/reference/rolling-recycle.md, "What rolling tools converge on"):
//  - refuse a group that is mid-change (launching/terminating, unhealthy, desired ≠ InService,
//    an active instance refresh, or tags left by an unfinished run);
//  - suspend the processes that would act behind our back (asg-suspend.ts), tag first;
//  - launch_first ("3-4-3"): tag the original desired capacity (and max size, raised by one when
//    the group is at max), re-read, raise desired by one only if nobody moved it, wait for a new
//    InService+Healthy instance that passes the health policy (bake.ts), then terminate *the
//    named* old instance with decrement — never lower desired and let Auto Scaling pick the victim;
//  - terminate_first ("3-2-3"): terminate the old instance without decrement, wait for the
//    replacement and its health policy;
//  - both wait until the old instance has left and the group is steady, then put max size,
//    processes and tags back (asg-restore.ts) — after a failure too. Everything runs under one
//    deadline for the whole replacement plus a limit per wait. Failures come back as data; only
//    interruption throws (a resume re-attaches, asg-reattach.ts).
import type { AwsApi } from "../../cloud/aws/api.js";
import { RemoteError } from "../../errors.js";
import { carryOut, type Result, settleProtection } from "./asg-flow.js";
import {
  activeRefresh,
  classifyInstance,
  type InstanceView,
  instanceView,
  midChange,
  ORIGINAL_DESIRED_TAG,
  ORIGINAL_MAX_TAG,
  originalDesiredTag,
  SUSPENDED_TAG,
  tagValue,
} from "./asg-group.js";
import { reattach } from "./asg-reattach.js";
import { restoreGroup } from "./asg-restore.js";
import {
  type AsgInFlight,
  type AsgRecycleHooks,
  type AsgStrategy,
  type RunState,
  readGroup,
  StepFailure,
} from "./asg-steps.js";
import { chooseStrategy, type HealthyPercentages } from "./asg-surge.js";
import { DEFAULT_SUSPEND, toSuspend } from "./asg-suspend.js";
import type { HealthPolicy } from "./bake.js";
import type { ProbeSpec } from "./probe.js";

export type { AsgInFlight, AsgRecycleHooks, AsgStrategy } from "./asg-steps.js";

/** Instance Refresh's ScaleInProtectedInstances / StandbyInstances, for the instance being replaced. */
export type ProtectedPolicy = "refresh" | "ignore" | "wait";

export interface AsgRecycleRequest {
  asgName: string;
  instanceId: string;
  strategy: AsgStrategy | "auto";
  /** Skip (changed: false) an instance already on the group's current template version. */
  onlyIfOutdated: boolean;
  /** The whole replacement: healthy replacement *and* old instance gone. */
  waitTimeoutMs: number;
  /** Each wait on its own (default: waitTimeoutMs). */
  stepTimeoutMs?: number;
  pollIntervalMs: number;
  /** Report, don't act (--check): no mutating call. */
  check: boolean;
  /** Resume: the action an earlier attempt of this run issued. Never issued again. */
  inFlight?: { data: AsgInFlight; issuedAt: string };
  /** Consecutive checks and bake time for the replacement (default: InService+Healthy once). */
  health?: HealthPolicy & { probe?: ProbeSpec };
  /** Processes to suspend for the duration (default DEFAULT_SUSPEND; [] for none). */
  suspend?: readonly string[];
  /** A scale-in protected or Standby instance (default "wait", as Instance Refresh). */
  protectedPolicy?: ProtectedPolicy;
  percentages?: HealthyPercentages;
}

export interface AsgRecycleOutcome {
  ok: boolean;
  changed: boolean;
  strategy?: AsgInFlight["strategy"];
  /** The replacement (or, when nothing changed, the instance itself). */
  instance?: InstanceView;
  previous?: InstanceView;
  /** How many instances Instance Refresh would replace at once with these percentages. */
  batchSize?: number;
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
    deadline: started + req.waitTimeoutMs,
    stepTimeoutMs: req.stepTimeoutMs ?? req.waitTimeoutMs,
    pollIntervalMs: req.pollIntervalMs,
    hooks,
    phase: "nothing was changed",
    health: req.health ?? { checks: 1, intervalMs: req.pollIntervalMs, bakeMs: 0 },
  };
  let previous: InstanceView | undefined = req.inFlight?.data.previous;
  let issued: AsgInFlight | undefined = req.inFlight?.data;
  try {
    if (req.inFlight)
      return { ...(await reattach(run, req.inFlight.data, req.inFlight.issuedAt)), elapsed: elapsed() };
    const pre = await preflight(run, req, (data) => {
      issued = data;
    });
    previous = pre.previous;
    return { ...pre.outcome, elapsed: elapsed() };
  } catch (err) {
    if (!(err instanceof StepFailure || err instanceof RemoteError)) throw err;
    const msg = err instanceof StepFailure ? err.message : `${err.message}; ${run.phase}`;
    // Whatever was changed besides the surge (max size, suspended processes) goes back now.
    const notes =
      issued && !run.restored
        ? await restoreGroup(run, issued, { keepDesiredTag: run.keepDesiredTag === true })
        : [];
    const tail = notes.length > 0 ? `; ${notes.join("; ")}` : "";
    return { ok: false, changed: false, previous, elapsed: elapsed(), msg: msg + tail };
  }
}

async function preflight(
  run: RunState,
  req: AsgRecycleRequest,
  onIssue: (data: AsgInFlight) => void,
): Promise<{ previous?: InstanceView; outcome: Result }> {
  const { api, asgName } = run;
  const id = req.instanceId;
  let g = await readGroup(run);
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
  const policy = req.protectedPolicy ?? "wait";
  const guarded = await settleProtection(run, g, id, policy, req.check);
  if (guarded.skip) return unchanged(guarded.skip);
  g = guarded.group;
  const standby = g.instances.find((m) => m.instanceId === id)?.lifecycleState === "Standby";
  const busy = midChange(g, true) ?? activeRefresh(await api.describeInstanceRefreshes(asgName));
  if (busy) throw new StepFailure(`ASG ${asgName} is mid-change (${busy}); refusing to replace ${id}`);
  refuseLeftovers(g);
  const choice = standby
    ? { strategy: "terminate_first" as const, raiseMax: false, batchSize: 1 }
    : chooseStrategy(req.strategy, g.desiredCapacity, g.maxSize, req.percentages ?? {});
  const strategy: AsgInFlight["strategy"] = standby ? "terminate_standby" : choice.strategy;
  const refusal = await run.hooks.beforeAct?.(g, req.check);
  if (refusal) throw new StepFailure(refusal);
  if (req.check) {
    const raise = choice.raiseMax ? `, raising max size ${g.maxSize} → ${g.maxSize + 1}` : "";
    return {
      previous,
      outcome: {
        ok: true,
        changed: true,
        strategy: choice.strategy,
        instance: previous,
        previous,
        batchSize: choice.batchSize,
        msg: `would replace ${id} (${why}) using ${strategy}${raise}`,
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
    suspend: toSuspend(req.suspend ?? DEFAULT_SUSPEND, g.suspendedProcesses),
    ...(choice.raiseMax && { originalMax: g.maxSize }),
  };
  await run.hooks.beforeIssue(data);
  onIssue(data);
  // The whole replacement's deadline counts from its first change (checks and lease come before).
  run.deadline = run.hooks.now() + req.waitTimeoutMs;
  const outcome = await carryOut(run, data, why);
  return { previous, outcome: { ...outcome, batchSize: choice.batchSize } };
}

/** Tags of an earlier run that did not finish: refuse, and say how to clean up. */
function refuseLeftovers(g: Awaited<ReturnType<typeof readGroup>>): void {
  const cleanup = `run \`rollcall recycle-cleanup --asg ${g.name}\` (or --resume the run that left it)`;
  const tagged = originalDesiredTag(g);
  if (tagged !== undefined && tagged !== g.desiredCapacity) {
    throw new StepFailure(
      `ASG ${g.name} has tag ${ORIGINAL_DESIRED_TAG}=${tagged} but desired capacity ${g.desiredCapacity}: an earlier recycle did not finish; set desired capacity back, delete the tag, then run again`,
    );
  }
  for (const key of [ORIGINAL_MAX_TAG, SUSPENDED_TAG]) {
    const value = tagValue(g, key);
    if (value !== undefined) {
      throw new StepFailure(
        `ASG ${g.name} has tag ${key}=${value} from an earlier recycle that did not finish: ${cleanup}`,
      );
    }
  }
}
