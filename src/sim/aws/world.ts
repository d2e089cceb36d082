// The simulated AWS account: launch templates, Auto Scaling groups and EC2 instances, built from
// a fleet. State changes (launch, terminate, lifecycle hooks) live in asg-lifecycle.ts; this file
// holds the data and the lookups the API handlers share.
import type { SimShared } from "../core/shared.js";
import type { AsgSpec, AwsFleet, HookSpec } from "./fleet.js";
import { AwsFault } from "./protocol.js";
import type { NotificationType } from "./sqs-fleet.js";
import type { EventRouting } from "./sqs-notify.js";
import { createSqsWorld, type SqsWorld } from "./sqs-queues.js";

export type LifecycleState =
  | "Pending"
  | "Pending:Wait"
  | "Pending:Proceed"
  | "InService"
  | "Terminating"
  | "Terminating:Wait"
  | "Terminating:Proceed"
  | "Terminated";

export type Ec2State = "pending" | "running" | "shutting-down" | "terminated";

export interface SimLaunchTemplate {
  id: string;
  name: string;
  region: string;
  versions: { number: number; imageId: string; instanceType: string; createdAt: number }[];
  defaultVersion: number;
}

export interface LaunchTemplateRef {
  id: string;
  name: string;
  /** A number as a string, `$Latest` or `$Default` (the group's); always a number for an instance. */
  version: string;
}

export interface PendingAction {
  hook: HookSpec;
  token: string;
  cancelTimer: () => void;
  /** Simulated epoch ms when the instance entered the wait state (for the global timeout). */
  startedAt: number;
}

export interface SimInstance {
  id: string;
  region: string;
  asgName?: string;
  lifecycleState: LifecycleState;
  health: "Healthy" | "Unhealthy";
  ec2State: Ec2State;
  privateIp: string;
  publicIp?: string;
  az: string;
  instanceType: string;
  imageId: string;
  launchTime: number;
  launchTemplate?: LaunchTemplateRef;
  launchConfigurationName?: string;
  tags: Record<string, string>;
  /** DescribeInstances leaves the tags out (the ec2.py bug this knob reproduces). */
  hideTags: boolean;
  pendingAction?: PendingAction;
  /** Cancels the boot/shutdown timer in flight. */
  cancelTimer?: () => void;
}

export interface SimAsgTag {
  key: string;
  value: string;
  propagate: boolean;
}

export interface SimAsg {
  name: string;
  region: string;
  arn: string;
  spec: AsgSpec;
  min: number;
  max: number;
  desired: number;
  launchTemplate?: LaunchTemplateRef;
  launchConfigurationName?: string;
  mixedInstancesPolicy: boolean;
  tags: SimAsgTag[];
  hooks: HookSpec[];
  azs: string[];
  createdAt: number;
  /** Member instance ids, launch order (terminated ones are dropped). */
  members: string[];
  neverHealthy: boolean;
}

/** What a lifecycle hook sends to its notification target (direct SQS/SNS JSON shape). */
export interface LifecycleNotification {
  NotificationTargetARN?: string;
  message: {
    Origin?: string;
    Destination?: string;
    LifecycleHookName: string;
    AccountId: string;
    RequestId: string;
    LifecycleTransition: string;
    AutoScalingGroupName: string;
    Service: "AWS Auto Scaling";
    Time: string;
    EC2InstanceId: string;
    LifecycleActionToken: string;
    NotificationMetadata?: string;
  };
}

export interface AwsWorld {
  fleet: AwsFleet;
  shared: SimShared;
  accountId: string;
  templates: Map<string, SimLaunchTemplate>;
  asgs: Map<string, SimAsg>;
  instances: Map<string, SimInstance>;
  /** `service:Action` pairs answered with AccessDenied / UnauthorizedOperation. */
  denied: Set<string>;
  /** Authenticated requests per `service:Action` (faulted ones included), for tests and benches. */
  requestCounts: Record<string, number>;
  /** Listener opens/closes in flight, so tests can wait for sockets to settle. */
  pendingIo: Set<Promise<void>>;
  onLifecycleAction?: (n: LifecycleNotification) => void;
  /** A plain ASG notification event happened (launch, terminate, their errors). */
  onAsgEvent?: (asg: SimAsg, inst: SimInstance, type: NotificationType) => void;
  /** SQS queues and the SNS/EventBridge routing to them (sqs-*.ts). */
  sqs: SqsWorld;
  routing: EventRouting;
  /** `region/asg` → instance refreshes DescribeInstanceRefreshes reports (set by tests; none run). */
  instanceRefreshes?: Map<string, { id: string; status: string; statusReason?: string }[]>;
  nextId(prefix: string, width?: number): string;
}

export function createWorld(fleet: AwsFleet, shared: SimShared): AwsWorld {
  let counter = 0;
  return {
    fleet,
    shared,
    accountId: fleet.account_id,
    templates: new Map(),
    asgs: new Map(),
    instances: new Map(),
    denied: new Set(),
    requestCounts: {},
    pendingIo: new Set(),
    // Filled by wireEvents (sqs-events.ts) once the fleet's queues are known.
    sqs: createSqsWorld({ queues: [], topics: [] }, fleet.account_id, fleet.regions[0] ?? "us-east-1"),
    routing: { topics: new Map() },
    nextId(prefix, width = 17) {
      counter++;
      // Looks like a real id (hex, fixed width) and stays unique and ordered within a run.
      const seed = (shared.ips.prefix.split(".")[1] ?? "0").padStart(3, "0");
      return `${prefix}-${seed}${counter.toString(16).padStart(width - seed.length, "0")}`;
    },
  };
}

export function asgKey(region: string, name: string): string {
  return `${region}/${name}`;
}

export function findAsg(world: AwsWorld, region: string, name: string): SimAsg | undefined {
  return world.asgs.get(asgKey(region, name));
}

export function requireAsg(world: AwsWorld, region: string, name: string | undefined): SimAsg {
  const asg = name ? findAsg(world, region, name) : undefined;
  if (!asg) {
    throw new AwsFault(
      400,
      "ValidationError",
      `AutoScalingGroup name not found - AutoScalingGroup '${name ?? ""}' not found`,
    );
  }
  return asg;
}

export function findTemplate(
  world: AwsWorld,
  region: string,
  by: { id?: string; name?: string },
): SimLaunchTemplate | undefined {
  for (const t of world.templates.values()) {
    if (t.region === region && ((by.id && t.id === by.id) || (by.name && t.name === by.name))) return t;
  }
  return undefined;
}

/** `$Latest` / `$Default` / "3" → 3, or undefined when the template has no such version. */
export function resolveVersion(template: SimLaunchTemplate, version: string): number | undefined {
  if (version === "$Latest") return template.versions[template.versions.length - 1]?.number;
  if (version === "$Default") return template.defaultVersion;
  const n = Number(version);
  return template.versions.some((v) => v.number === n) ? n : undefined;
}

export function instancesInRegion(world: AwsWorld, region: string): SimInstance[] {
  return [...world.instances.values()].filter((i) => i.region === region);
}

/** Members that count towards desired capacity (not on their way out). */
export function activeMembers(world: AwsWorld, asg: SimAsg): SimInstance[] {
  return asg.members
    .map((id) => world.instances.get(id)!)
    .filter((i) => i && !i.lifecycleState.startsWith("Terminat"));
}

/** Add a template version (a test or demo "publishing a new AMI"); returns its number. */
export function addLaunchTemplateVersion(
  world: AwsWorld,
  region: string,
  name: string,
  data: { imageId: string; instanceType?: string },
  options: { makeDefault?: boolean } = {},
): number {
  const t = findTemplate(world, region, { name });
  if (!t) throw new Error(`no launch template ${name} in ${region}`);
  const last = t.versions[t.versions.length - 1]!;
  const number = last.number + 1;
  t.versions.push({
    number,
    imageId: data.imageId,
    instanceType: data.instanceType ?? last.instanceType,
    createdAt: world.shared.clock.now(),
  });
  if (options.makeDefault) t.defaultVersion = number;
  return number;
}

/** Wait until every listener open/close started so far has finished. */
export async function settleIo(world: AwsWorld): Promise<void> {
  while (world.pendingIo.size > 0) await Promise.allSettled([...world.pendingIo]);
}

export function trackIo(world: AwsWorld, p: Promise<void>): void {
  const tracked = p.catch(() => {}).finally(() => world.pendingIo.delete(tracked));
  world.pendingIo.add(tracked);
}
