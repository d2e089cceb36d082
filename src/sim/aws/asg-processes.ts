// Group settings a recycle changes besides desired capacity: suspended processes
// (SuspendProcesses / ResumeProcesses), sizes (UpdateAutoScalingGroup), and the test-side levers
// for Standby, scale-in protection and health that the fake's API does not offer.
import { reconcile, terminateInstance } from "./asg-lifecycle.js";
import type { Handler, RequestInfo } from "./ec2-handlers.js";
import { AwsFault, int, str, strings } from "./protocol.js";
import { type AwsWorld, requireAsg, type SimAsg, type SimInstance } from "./world.js";

/** The process names Auto Scaling accepts (API_SuspendProcesses). */
export const SCALING_PROCESSES = [
  "Launch",
  "Terminate",
  "AddToLoadBalancer",
  "AlarmNotification",
  "AZRebalance",
  "HealthCheck",
  "InstanceRefresh",
  "ReplaceUnhealthy",
  "ScheduledActions",
] as const;

export const processHandlers: Record<string, Handler> = {
  SuspendProcesses: suspendProcesses,
  ResumeProcesses: resumeProcesses,
  UpdateAutoScalingGroup: updateAutoScalingGroup,
};

function processNames(params: RequestInfo["params"]): string[] {
  const names = strings(params, "ScalingProcesses", "member");
  for (const n of names) {
    if (!(SCALING_PROCESSES as readonly string[]).includes(n)) {
      throw new AwsFault(
        400,
        "ValidationError",
        `Process names must be one of: ${SCALING_PROCESSES.join(", ")}`,
      );
    }
  }
  // No names: every process (as AWS does).
  return names.length > 0 ? names : [...SCALING_PROCESSES];
}

function suspendProcesses(world: AwsWorld, { region, params }: RequestInfo): object {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  const at = new Date(world.shared.clock.now()).toISOString();
  for (const name of processNames(params)) {
    if (!asg.suspended.has(name)) asg.suspended.set(name, `User suspended at ${at}`);
  }
  return {};
}

function resumeProcesses(world: AwsWorld, { region, params }: RequestInfo): object {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  for (const name of processNames(params)) asg.suspended.delete(name);
  // A resumed Launch/Terminate catches up at once.
  reconcile(world, asg);
  return {};
}

/**
 * Sizes only. As AWS documents: a MaxSize below the current desired capacity (with no
 * DesiredCapacity given) lowers desired capacity to it, and a MinSize above raises it.
 */
function updateAutoScalingGroup(world: AwsWorld, { region, params }: RequestInfo): object {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  const min = int(params, "MinSize") ?? asg.min;
  const max = int(params, "MaxSize") ?? asg.max;
  const desiredIn = int(params, "DesiredCapacity");
  if (min > max) {
    throw new AwsFault(
      400,
      "ValidationError",
      `Max bound, ${max}, must be greater than or equal to min bound, ${min}`,
    );
  }
  if (desiredIn !== undefined && (desiredIn < min || desiredIn > max)) {
    throw new AwsFault(
      400,
      "ValidationError",
      `Desired capacity:${desiredIn} must be between the specified min size:${min} and max size:${max}`,
    );
  }
  asg.min = min;
  asg.max = max;
  asg.desired = Math.min(max, Math.max(min, desiredIn ?? asg.desired));
  reconcile(world, asg);
  return {};
}

/** EnterStandby, test-side: with `decrement`, desired capacity drops; otherwise a replacement launches. */
export function enterStandby(world: AwsWorld, asg: SimAsg, inst: SimInstance, decrement: boolean): void {
  inst.lifecycleState = "Standby";
  world.shared.record({
    type: "state",
    subject: inst.id,
    detail: { asg: asg.name, from: "InService", to: "Standby" },
  });
  if (decrement) asg.desired = Math.max(asg.min, asg.desired - 1);
  reconcile(world, asg);
}

/**
 * The group's health check marks a member Unhealthy: ReplaceUnhealthy terminates and replaces it,
 * unless that process is suspended (then it stays, Unhealthy, until resumed and marked again).
 */
export function markUnhealthy(world: AwsWorld, asg: SimAsg, inst: SimInstance): void {
  inst.health = "Unhealthy";
  if (!asg.suspended.has("ReplaceUnhealthy")) terminateInstance(world, asg, inst, false);
}
