// Lifecycle-hook actions of the Auto Scaling fake: DescribeLifecycleHooks, CompleteLifecycleAction,
// RecordLifecycleActionHeartbeat. An action is found by token or instance id; a finished or
// unknown one is AWS's "No active Lifecycle Action found" ValidationError.
import { completeAction, recordHeartbeat } from "./asg-lifecycle.js";
import type { Handler, RequestInfo } from "./ec2-handlers.js";
import { AwsFault, members, type QueryNode, str, strings } from "./protocol.js";
import { type AwsWorld, requireAsg, type SimAsg, type SimInstance } from "./world.js";

export const hookHandlers: Record<string, Handler> = {
  DescribeLifecycleHooks: describeLifecycleHooks,
  CompleteLifecycleAction: completeLifecycleAction,
  RecordLifecycleActionHeartbeat: recordLifecycleActionHeartbeat,
};

function describeLifecycleHooks(world: AwsWorld, { region, params }: RequestInfo): object {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  const names = new Set(strings(params, "LifecycleHookNames", "member"));
  const hooks = asg.hooks.filter((h) => names.size === 0 || names.has(h.name));
  return {
    LifecycleHooks: members(
      hooks.map((h) => ({
        LifecycleHookName: h.name,
        AutoScalingGroupName: asg.name,
        LifecycleTransition: h.transition,
        NotificationTargetARN: h.notification_target_arn,
        RoleARN: h.role_arn,
        NotificationMetadata: h.notification_metadata,
        HeartbeatTimeout: h.heartbeat_timeout,
        GlobalTimeout: Math.min(172800, 100 * h.heartbeat_timeout),
        DefaultResult: h.default_result,
      })),
    ),
  };
}

/** The member waiting on `hook`, found by token or instance id, or ValidationError. */
function pendingMember(
  world: AwsWorld,
  region: string,
  params: QueryNode,
): { asg: SimAsg; inst: SimInstance } {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  const hookName = str(params, "LifecycleHookName");
  if (!asg.hooks.some((h) => h.name === hookName)) {
    throw new AwsFault(
      400,
      "ValidationError",
      `No Lifecycle Hook found with name ${hookName ?? ""} for group ${asg.name}`,
    );
  }
  const token = str(params, "LifecycleActionToken");
  const id = str(params, "InstanceId");
  if (!token && !id)
    throw new AwsFault(400, "ValidationError", "Either LifecycleActionToken or InstanceId must be specified");
  const inst = asg.members
    .map((m) => world.instances.get(m)!)
    .find(
      (i) =>
        i.pendingAction?.hook.name === hookName && (token ? i.pendingAction?.token === token : i.id === id),
    );
  if (!inst) {
    throw new AwsFault(
      400,
      "ValidationError",
      token
        ? `No active Lifecycle Action found with token ${token}`
        : `No active Lifecycle Action found with instance ID ${id}`,
    );
  }
  return { asg, inst };
}

function completeLifecycleAction(world: AwsWorld, { region, params }: RequestInfo): object {
  const result = str(params, "LifecycleActionResult");
  if (result !== "CONTINUE" && result !== "ABANDON") {
    throw new AwsFault(400, "ValidationError", `Invalid LifecycleActionResult: ${result ?? "null"}`);
  }
  const { asg, inst } = pendingMember(world, region, params);
  completeAction(world, asg, inst, result);
  return {};
}

function recordLifecycleActionHeartbeat(world: AwsWorld, { region, params }: RequestInfo): object {
  const { asg, inst } = pendingMember(world, region, params);
  recordHeartbeat(world, asg, inst);
  return {};
}
