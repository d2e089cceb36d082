// The write side of the AWS seam: what recycles and lifecycle handlers call (terminate, scale,
// tag, complete lifecycle actions). Split from aws-api.ts, which owns the clients.
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AwsApi } from "./api.js";
import { toActivity, toHook } from "./convert.js";

export interface AwsSeam {
  ec2: EC2Client;
  asg: AutoScalingClient;
  ec2Sdk: typeof import("@aws-sdk/client-ec2");
  asgSdk: typeof import("@aws-sdk/client-auto-scaling");
  /** Run one SDK call, wrapping its errors into RemoteError. */
  call<T>(service: "ec2" | "autoscaling", operation: string, run: () => Promise<T>): Promise<T>;
}

type Actions = Pick<
  AwsApi,
  | "terminateInstances"
  | "terminateInstanceInAutoScalingGroup"
  | "setDesiredCapacity"
  | "createOrUpdateTags"
  | "deleteTags"
  | "describeInstanceRefreshes"
  | "describeLifecycleHooks"
  | "completeLifecycleAction"
  | "recordLifecycleActionHeartbeat"
>;

// One piece: a table of one short method per AWS action over the shared clients.
export function createActions({ ec2, asg, ec2Sdk, asgSdk, call }: AwsSeam): Actions {
  return {
    async terminateInstances(instanceIds) {
      const out = await call("ec2", "TerminateInstances", () =>
        ec2.send(new ec2Sdk.TerminateInstancesCommand({ InstanceIds: instanceIds })),
      );
      return (out.TerminatingInstances ?? []).map((c) => ({
        instanceId: c.InstanceId ?? "",
        previousState: c.PreviousState?.Name,
        currentState: c.CurrentState?.Name,
      }));
    },

    async terminateInstanceInAutoScalingGroup(instanceId, shouldDecrementDesiredCapacity) {
      const out = await call("autoscaling", "TerminateInstanceInAutoScalingGroup", () =>
        asg.send(
          new asgSdk.TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: instanceId,
            ShouldDecrementDesiredCapacity: shouldDecrementDesiredCapacity,
          }),
        ),
      );
      return out.Activity ? toActivity(out.Activity) : undefined;
    },

    async setDesiredCapacity(asgName, desiredCapacity, honorCooldown) {
      await call("autoscaling", "SetDesiredCapacity", () =>
        asg.send(
          new asgSdk.SetDesiredCapacityCommand({
            AutoScalingGroupName: asgName,
            DesiredCapacity: desiredCapacity,
            HonorCooldown: honorCooldown,
          }),
        ),
      );
    },

    async createOrUpdateTags(asgName, tags) {
      await call("autoscaling", "CreateOrUpdateTags", () =>
        asg.send(
          new asgSdk.CreateOrUpdateTagsCommand({
            Tags: tags.map((t) => ({
              ResourceId: asgName,
              ResourceType: "auto-scaling-group",
              Key: t.key,
              Value: t.value,
              PropagateAtLaunch: t.propagateAtLaunch ?? false,
            })),
          }),
        ),
      );
    },

    async deleteTags(asgName, keys) {
      await call("autoscaling", "DeleteTags", () =>
        asg.send(
          new asgSdk.DeleteTagsCommand({
            Tags: keys.map((Key) => ({ ResourceId: asgName, ResourceType: "auto-scaling-group", Key })),
          }),
        ),
      );
    },

    async describeInstanceRefreshes(asgName) {
      // Only the newest page: an active refresh is always among the most recent ones.
      const out = await call("autoscaling", "DescribeInstanceRefreshes", () =>
        asg.send(
          new asgSdk.DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName, MaxRecords: 50 }),
        ),
      );
      return (out.InstanceRefreshes ?? []).map((r) => ({
        id: r.InstanceRefreshId ?? "",
        status: r.Status ?? "Unknown",
        statusReason: r.StatusReason,
      }));
    },

    async describeLifecycleHooks(asgName, hookNames) {
      const out = await call("autoscaling", "DescribeLifecycleHooks", () =>
        asg.send(
          new asgSdk.DescribeLifecycleHooksCommand({
            AutoScalingGroupName: asgName,
            LifecycleHookNames: hookNames,
          }),
        ),
      );
      return (out.LifecycleHooks ?? []).map(toHook);
    },

    async completeLifecycleAction(input) {
      await call("autoscaling", "CompleteLifecycleAction", () =>
        asg.send(
          new asgSdk.CompleteLifecycleActionCommand({
            AutoScalingGroupName: input.asgName,
            LifecycleHookName: input.hookName,
            LifecycleActionToken: input.token,
            InstanceId: input.instanceId,
            LifecycleActionResult: input.result,
          }),
        ),
      );
    },

    async recordLifecycleActionHeartbeat(input) {
      await call("autoscaling", "RecordLifecycleActionHeartbeat", () =>
        asg.send(
          new asgSdk.RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: input.asgName,
            LifecycleHookName: input.hookName,
            LifecycleActionToken: input.token,
            InstanceId: input.instanceId,
          }),
        ),
      );
    },
  };
}
