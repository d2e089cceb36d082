// The fake's event sources wired to its queues: lifecycle-hook actions, plain ASG notifications,
// the test notification AWS sends when a hook or notification configuration is created, and
// injected EC2 events (spot interruption warning, rebalance recommendation). A spot interruption
// with action `terminate` reclaims the instance 2 simulated minutes later, as EC2 does; lifecycle
// hooks do not hold a reclaim back in AWS, but the fake runs its terminate hook anyway.
import { randomUUID } from "node:crypto";
import { UsageError } from "../../errors.js";
import { terminateFromEc2 } from "./asg-lifecycle.js";
import type { AwsFleet } from "./fleet.js";
import type { NotificationType } from "./sqs-fleet.js";
import { createRouting, publish, publishEvent } from "./sqs-notify.js";
import { createSqsWorld, type SimQueue } from "./sqs-queues.js";
import type { AwsWorld, LifecycleNotification, SimAsg, SimInstance } from "./world.js";

const RECLAIM_AFTER_SEC = 120;

/** Build the queues and topics and route the world's events to them. */
export function wireEvents(
  world: AwsWorld,
  fleet: AwsFleet,
  forward?: (n: LifecycleNotification) => void,
): void {
  world.sqs = createSqsWorld(fleet.sqs, world.accountId, fleet.regions[0]!);
  world.routing = createRouting(fleet.sqs, world.sqs);
  world.onLifecycleAction = (n) => {
    forward?.(n);
    deliverHookAction(world, n);
  };
  world.onAsgEvent = (asg, inst, type) => deliverNotification(world, asg, inst, type);
}

function deliverHookAction(world: AwsWorld, n: LifecycleNotification): void {
  const m = n.message;
  if (n.NotificationTargetARN) {
    const verb = m.LifecycleTransition.endsWith("LAUNCHING") ? "LAUNCHING" : "TERMINATING";
    publish(
      world.sqs,
      world.routing,
      n.NotificationTargetARN,
      `Auto Scaling:  Lifecycle action '${verb}' for instance ${m.EC2InstanceId} in progress.`,
      m,
    );
    return;
  }
  const asg = world.asgs.get(`${world.instances.get(m.EC2InstanceId)?.region}/${m.AutoScalingGroupName}`);
  publishEvent(world.sqs, world.routing, {
    source: "aws.autoscaling",
    detailType: m.LifecycleTransition.endsWith("LAUNCHING")
      ? "EC2 Instance-launch Lifecycle Action"
      : "EC2 Instance-terminate Lifecycle Action",
    region: asg?.region ?? world.sqs.defaultRegion,
    resources: asg ? [asg.arn] : [],
    detail: {
      LifecycleActionToken: m.LifecycleActionToken,
      AutoScalingGroupName: m.AutoScalingGroupName,
      LifecycleHookName: m.LifecycleHookName,
      EC2InstanceId: m.EC2InstanceId,
      LifecycleTransition: m.LifecycleTransition,
      NotificationMetadata: m.NotificationMetadata,
      Origin: m.Origin,
      Destination: m.Destination,
    },
  });
}

function deliverNotification(world: AwsWorld, asg: SimAsg, inst: SimInstance, type: NotificationType): void {
  const launch = type.includes("LAUNCH");
  const error = type.endsWith("_ERROR");
  const now = new Date(world.shared.clock.now()).toISOString();
  const message = {
    Origin: launch ? "EC2" : "AutoScalingGroup",
    Destination: launch ? "AutoScalingGroup" : "EC2",
    Progress: error ? 100 : 50,
    AccountId: world.accountId,
    Description: `${launch ? "Launching a new" : "Terminating"} EC2 instance: ${inst.id}`,
    RequestId: randomUUID(),
    EndTime: now,
    AutoScalingGroupARN: asg.arn,
    ActivityId: randomUUID(),
    StartTime: now,
    Service: "AWS Auto Scaling",
    Time: now,
    EC2InstanceId: inst.id,
    StatusCode: error ? "Failed" : "InProgress",
    StatusMessage: error ? "Instance failed to complete user's Lifecycle Action." : "",
    Details: { "Subnet ID": `subnet-${inst.az.replace(/[^a-z0-9]/g, "")}`, "Availability Zone": inst.az },
    AutoScalingGroupName: asg.name,
    Cause: `At ${now} an instance was ${launch ? "started" : "taken out of service"} in response to a difference between desired and actual capacity.`,
    Event: type,
  };
  for (const config of asg.spec.notifications) {
    if (!config.types.includes(type)) continue;
    const verb = launch ? "launch" : "termination";
    publish(
      world.sqs,
      world.routing,
      config.topic_arn,
      `Auto Scaling: ${verb}${error ? " failed" : ""} for group "${asg.name}"`,
      message,
    );
  }
}

/** What AWS sends to a target when a hook or notification configuration is put on a group. */
export function sendTestNotifications(world: AwsWorld): void {
  for (const asg of world.asgs.values()) {
    const targets = new Set([
      ...asg.hooks.map((h) => h.notification_target_arn).filter((t): t is string => Boolean(t)),
      ...asg.spec.notifications.map((n) => n.topic_arn),
    ]);
    for (const target of targets) {
      publish(world.sqs, world.routing, target, "Auto Scaling: test notification for group", {
        AccountId: world.accountId,
        RequestId: randomUUID(),
        AutoScalingGroupARN: asg.arn,
        AutoScalingGroupName: asg.name,
        Service: "AWS Auto Scaling",
        Event: "autoscaling:TEST_NOTIFICATION",
        Time: new Date(world.shared.clock.now()).toISOString(),
      });
    }
  }
}

export type InstanceEventKind = "spot-interruption" | "rebalance";

export interface InstanceEventOptions {
  kind: InstanceEventKind;
  /** An instance id, or an ASG name (its oldest InService member). */
  target: string;
  /** Spot interruption only: terminate (default), stop or hibernate. */
  action?: "terminate" | "stop" | "hibernate";
  /** Terminate the instance 2 simulated minutes later (default true for action terminate). */
  reclaim?: boolean;
}

/** Put an EC2 event for an instance on the EventBridge queue; returns the instance and queue. */
export function injectInstanceEvent(
  world: AwsWorld,
  options: InstanceEventOptions,
): { instanceId: string; queue: SimQueue } {
  const inst = resolveTarget(world, options.target);
  const action = options.action ?? "terminate";
  const queue = publishEvent(world.sqs, world.routing, {
    source: "aws.ec2",
    detailType:
      options.kind === "spot-interruption"
        ? "EC2 Spot Instance Interruption Warning"
        : "EC2 Instance Rebalance Recommendation",
    region: inst.region,
    resources: [`arn:aws:ec2:${inst.region}:${world.accountId}:instance/${inst.id}`],
    detail:
      options.kind === "spot-interruption"
        ? { "instance-id": inst.id, "instance-action": action }
        : { "instance-id": inst.id },
  });
  if (!queue)
    throw new UsageError("no eventbridge_queue in the fleet's aws.sqs section: nowhere to send EC2 events");
  if (options.kind === "spot-interruption" && action === "terminate" && options.reclaim !== false) {
    world.shared.clock.after(RECLAIM_AFTER_SEC * 1000, () => {
      if (inst.ec2State !== "terminated") terminateFromEc2(world, inst);
    });
  }
  return { instanceId: inst.id, queue };
}

function resolveTarget(world: AwsWorld, target: string): SimInstance {
  const direct = world.instances.get(target);
  if (direct) return direct;
  const asg = [...world.asgs.values()].find((a) => a.name === target);
  const member = asg?.members
    .map((id) => world.instances.get(id)!)
    .filter((i) => i.lifecycleState === "InService")
    .sort((a, b) => a.launchTime - b.launchTime)[0];
  if (!member) throw new UsageError(`no instance ${target} (or InService member of an ASG named so)`);
  return member;
}

/** `rollcall sim --spot-interruption TARGET@SEC`: inject after SEC simulated seconds. */
export function scheduleInstanceEvents(
  world: AwsWorld,
  events: readonly (InstanceEventOptions & { afterSec: number })[],
  onError: (message: string) => void,
): void {
  for (const e of events) {
    world.shared.clock.after(e.afterSec * 1000, () => {
      try {
        injectInstanceEvent(world, e);
      } catch (err) {
        onError((err as Error).message);
      }
    });
  }
}
