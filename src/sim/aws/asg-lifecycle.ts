// How simulated Auto Scaling groups behave over simulated time: launch (Pending → InService,
// with an optional launch hook's Pending:Wait), terminate (Terminating → Terminated, with an
// optional terminate hook), and the reconcile loop that keeps each group at desired capacity
// using the group's *current* launch template version.
import { randomUUID } from "node:crypto";
import type { HookSpec } from "./fleet.js";
import {
  type AwsWorld,
  activeMembers,
  asgKey,
  type LaunchTemplateRef,
  type LifecycleState,
  resolveVersion,
  type SimAsg,
  type SimInstance,
  trackIo,
} from "./world.js";

const LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING";
const TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";

export function createInstance(
  world: AwsWorld,
  asg: SimAsg,
  opts: { outdated?: boolean; launchTime: number },
): SimInstance {
  const id = world.nextId("i");
  const az = asg.azs[asg.members.length % asg.azs.length]!;
  let launchTemplate: LaunchTemplateRef | undefined;
  let imageId = "ami-00000000000000000";
  let instanceType = "m5.large";
  // fromEntries: a tag named "__proto__" is a tag, not the object's prototype.
  const tags: Record<string, string> = Object.fromEntries(
    asg.tags.filter((t) => t.propagate).map((t) => [t.key, t.value]),
  );
  tags["aws:autoscaling:groupName"] = asg.name;
  if (asg.launchTemplate) {
    const t = world.templates.get(asg.launchTemplate.id)!;
    const current = resolveVersion(t, asg.launchTemplate.version)!;
    const number = opts.outdated ? Math.max(1, current - 1) : current;
    const version = t.versions.find((v) => v.number === number)!;
    imageId = version.imageId;
    instanceType = version.instanceType;
    // An instance reports the version number it was launched from, never the alias.
    launchTemplate = { id: t.id, name: t.name, version: String(number) };
    tags["aws:ec2launchtemplate:id"] = t.id;
    tags["aws:ec2launchtemplate:version"] = String(number);
  }
  const inst: SimInstance = {
    id,
    region: asg.region,
    asgName: asg.name,
    lifecycleState: "Pending",
    health: "Healthy",
    ec2State: "pending",
    privateIp: world.shared.ips.next(),
    publicIp: asg.spec.public_ip ? world.shared.ips.next() : undefined,
    az,
    instanceType,
    imageId,
    launchTime: opts.launchTime,
    launchTemplate,
    launchConfigurationName: asg.launchConfigurationName
      ? `${asg.launchConfigurationName}${opts.outdated ? "-previous" : ""}`
      : undefined,
    tags,
    hideTags: asg.spec.untagged_in_describe_instances,
  };
  world.instances.set(id, inst);
  asg.members.push(id);
  return inst;
}

export function setState(world: AwsWorld, inst: SimInstance, to: LifecycleState): void {
  const from = inst.lifecycleState;
  inst.lifecycleState = to;
  world.shared.record({ type: "state", subject: inst.id, detail: { asg: inst.asgName, from, to } });
}

export function openPorts(world: AwsWorld, inst: SimInstance, asg: SimAsg): void {
  if (!world.fleet.listen || asg.spec.ports.length === 0) return;
  trackIo(world, world.shared.listeners.open(inst.id, inst.privateIp, asg.spec.ports));
}

function closePorts(world: AwsWorld, inst: SimInstance): void {
  if (world.shared.listeners.isOpen(inst.id)) trackIo(world, world.shared.listeners.close(inst.id));
}

function after(world: AwsWorld, inst: SimInstance, seconds: number, fn: () => void): void {
  inst.cancelTimer?.();
  inst.cancelTimer = world.shared.clock.after(seconds * 1000, () => {
    inst.cancelTimer = undefined;
    fn();
  });
}

/** Launch one new member from the group's current template version. */
export function launchInstance(world: AwsWorld, asg: SimAsg): SimInstance {
  const inst = createInstance(world, asg, { launchTime: world.shared.clock.now() });
  world.shared.record({
    type: "state",
    subject: inst.id,
    detail: { asg: asg.name, from: null, to: "Pending" },
  });
  after(world, inst, asg.spec.boot_sec, () => {
    inst.ec2State = "running";
    // A replacement that never becomes healthy: stuck in Pending with its ports closed.
    if (asg.neverHealthy) return;
    const hook = asg.hooks.find((h) => h.transition === LAUNCHING);
    if (hook) {
      // The machine is up while its launch hook waits: a hook handler can reach it (SSH…).
      openPorts(world, inst, asg);
      waitOnHook(world, asg, inst, hook, "Pending:Wait");
    } else enterService(world, asg, inst);
  });
  return inst;
}

function enterService(world: AwsWorld, asg: SimAsg, inst: SimInstance): void {
  setState(world, inst, "InService");
  if (!world.shared.listeners.isOpen(inst.id)) openPorts(world, inst, asg);
  world.onAsgEvent?.(asg, inst, "autoscaling:EC2_INSTANCE_LAUNCH");
}

/**
 * Start terminating a member. With `decrement` the group shrinks; otherwise the reconcile
 * launches a replacement at once, as AWS does.
 */
export function terminateInstance(world: AwsWorld, asg: SimAsg, inst: SimInstance, decrement: boolean): void {
  if (inst.lifecycleState.startsWith("Terminat")) return;
  if (decrement) asg.desired = Math.max(0, asg.desired - 1);
  beginTermination(world, asg, inst);
  reconcile(world, asg);
}

function beginTermination(world: AwsWorld, asg: SimAsg, inst: SimInstance): void {
  inst.cancelTimer?.();
  inst.pendingAction?.cancelTimer();
  inst.pendingAction = undefined;
  closePorts(world, inst);
  const hook = asg.hooks.find((h) => h.transition === TERMINATING);
  if (hook) waitOnHook(world, asg, inst, hook, "Terminating:Wait");
  else {
    setState(world, inst, "Terminating");
    shutDown(world, asg, inst);
  }
}

function shutDown(world: AwsWorld, asg: SimAsg, inst: SimInstance): void {
  inst.ec2State = "shutting-down";
  after(world, inst, asg.spec.shutdown_sec, () => {
    inst.ec2State = "terminated";
    setState(world, inst, "Terminated");
    asg.members = asg.members.filter((id) => id !== inst.id);
    world.onAsgEvent?.(asg, inst, "autoscaling:EC2_INSTANCE_TERMINATE");
  });
}

function waitOnHook(
  world: AwsWorld,
  asg: SimAsg,
  inst: SimInstance,
  hook: HookSpec,
  state: LifecycleState,
): void {
  setState(world, inst, state);
  const token = randomUUID();
  const cancelTimer = world.shared.clock.after(hook.heartbeat_timeout * 1000, () =>
    completeAction(world, asg, inst, hook.default_result, "timeout"),
  );
  inst.pendingAction = { hook, token, cancelTimer, startedAt: world.shared.clock.now() };
  world.onLifecycleAction?.({
    NotificationTargetARN: hook.notification_target_arn,
    message: {
      Origin: state === "Pending:Wait" ? "EC2" : "AutoScalingGroup",
      Destination: state === "Pending:Wait" ? "AutoScalingGroup" : "EC2",
      LifecycleHookName: hook.name,
      AccountId: world.accountId,
      RequestId: randomUUID(),
      LifecycleTransition: hook.transition,
      AutoScalingGroupName: asg.name,
      Service: "AWS Auto Scaling",
      Time: new Date(world.shared.clock.now()).toISOString(),
      EC2InstanceId: inst.id,
      LifecycleActionToken: token,
      NotificationMetadata: hook.notification_metadata,
    },
  });
}

/** Finish a lifecycle action (CompleteLifecycleAction, or the heartbeat timeout's default). */
export function completeAction(
  world: AwsWorld,
  asg: SimAsg,
  inst: SimInstance,
  result: "CONTINUE" | "ABANDON",
  by: "api" | "timeout" = "api",
): void {
  const action = inst.pendingAction;
  if (!action) return;
  action.cancelTimer();
  inst.pendingAction = undefined;
  // Tests count completions per token: exactly one per action, by the API or by the timeout.
  world.shared.record({
    type: "action",
    subject: inst.id,
    // wallClock: real ms, comparable with SQS's (real-time) queue history.
    detail: {
      lifecycle: "completed",
      hook: action.hook.name,
      token: action.token,
      result,
      by,
      wallClock: Date.now(),
    },
  });
  if (inst.lifecycleState === "Pending:Wait") {
    if (result === "CONTINUE") {
      setState(world, inst, "Pending:Proceed");
      enterService(world, asg, inst);
    } else {
      // An abandoned launch is terminated and replaced; the launch activity failed.
      world.onAsgEvent?.(asg, inst, "autoscaling:EC2_INSTANCE_LAUNCH_ERROR");
      closePorts(world, inst);
      setState(world, inst, "Terminating");
      shutDown(world, asg, inst);
      reconcile(world, asg);
    }
  } else if (inst.lifecycleState === "Terminating:Wait") {
    setState(world, inst, "Terminating:Proceed");
    shutDown(world, asg, inst);
  }
}

/**
 * Restart the heartbeat window of a pending lifecycle action, but never past the global
 * timeout: min(48 h, 100 × the heartbeat timeout) from when the action started.
 */
export function recordHeartbeat(world: AwsWorld, asg: SimAsg, inst: SimInstance): void {
  const action = inst.pendingAction;
  if (!action) return;
  action.cancelTimer();
  const hb = action.hook.heartbeat_timeout * 1000;
  const globalEnd = action.startedAt + Math.min(172_800_000, 100 * hb);
  const wait = Math.max(0, Math.min(hb, globalEnd - world.shared.clock.now()));
  action.cancelTimer = world.shared.clock.after(wait, () =>
    completeAction(world, asg, inst, action.hook.default_result, "timeout"),
  );
}

/** Launch or terminate members until the group has `desired` active instances. */
export function reconcile(world: AwsWorld, asg: SimAsg): void {
  const active = activeMembers(world, asg);
  for (let n = active.length; n < asg.desired; n++) launchInstance(world, asg);
  if (active.length > asg.desired) {
    // AWS's default termination policy, simplified: outdated template first, then oldest.
    const victims = [...active]
      .sort(
        (a, b) =>
          Number(isOutdated(world, asg, b)) - Number(isOutdated(world, asg, a)) ||
          a.launchTime - b.launchTime,
      )
      .slice(0, active.length - asg.desired);
    for (const v of victims) beginTermination(world, asg, v);
  }
}

export function isOutdated(world: AwsWorld, asg: SimAsg, inst: SimInstance): boolean {
  if (asg.launchTemplate && inst.launchTemplate) {
    const t = world.templates.get(asg.launchTemplate.id);
    const current = t ? resolveVersion(t, asg.launchTemplate.version) : undefined;
    return (
      inst.launchTemplate.id !== asg.launchTemplate.id || Number(inst.launchTemplate.version) !== current
    );
  }
  return inst.launchConfigurationName !== asg.launchConfigurationName;
}

/** EC2 TerminateInstances on a member: the group sees it unhealthy and replaces it. */
export function terminateFromEc2(world: AwsWorld, inst: SimInstance): void {
  const asg = inst.asgName ? world.asgs.get(asgKey(inst.region, inst.asgName)) : undefined;
  if (!asg) {
    inst.ec2State = "terminated";
    return;
  }
  inst.health = "Unhealthy";
  terminateInstance(world, asg, inst, false);
}
