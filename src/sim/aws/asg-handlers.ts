// Auto Scaling actions (awsQuery protocol). Shapes and error texts follow the Auto Scaling API
// reference; one quirk kept on purpose: DescribeAutoScalingInstances reports HealthStatus in
// capitals ("HEALTHY") while DescribeAutoScalingGroups says "Healthy".
import { randomUUID } from "node:crypto";
import { hookHandlers } from "./asg-hook-handlers.js";
import { reconcile, terminateInstance } from "./asg-lifecycle.js";
import { processHandlers } from "./asg-processes.js";
import { tagHandlers, tagTargets } from "./asg-tag-handlers.js";
import type { Handler, RequestInfo } from "./ec2-handlers.js";
import { AwsFault, bool, int, members, paginate, type QueryNode, str, strings, structs } from "./protocol.js";
import { type AwsWorld, requireAsg, type SimAsg, type SimInstance } from "./world.js";

export const asgHandlers: Record<string, Handler> = {
  DescribeAutoScalingGroups: describeAutoScalingGroups,
  DescribeAutoScalingInstances: describeAutoScalingInstances,
  TerminateInstanceInAutoScalingGroup: terminateInstanceInAutoScalingGroup,
  SetDesiredCapacity: setDesiredCapacity,
  CreateOrUpdateTags: createOrUpdateTags,
  ...hookHandlers,
  ...tagHandlers,
  ...processHandlers,
};

export const asgMutatingActions = new Set([
  "TerminateInstanceInAutoScalingGroup",
  "SetDesiredCapacity",
  "CreateOrUpdateTags",
  "DeleteTags",
  "CompleteLifecycleAction",
  "RecordLifecycleActionHeartbeat",
  "SuspendProcesses",
  "ResumeProcesses",
  "UpdateAutoScalingGroup",
]);

function maxRecords(params: QueryNode, max: number): number | undefined {
  const n = int(params, "MaxRecords");
  if (n !== undefined && (n < 1 || n > max)) {
    throw new AwsFault(
      400,
      "ValidationError",
      `1 validation error detected: Value '${n}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return n;
}

function asgsInRegion(world: AwsWorld, region: string): SimAsg[] {
  return [...world.asgs.values()]
    .filter((a) => a.region === region)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function tagMatches(asg: SimAsg, name: string, values: string[]): boolean {
  if (name === "tag-key") return asg.tags.some((t) => values.includes(t.key));
  if (name === "tag-value") return asg.tags.some((t) => values.includes(t.value));
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return asg.tags.some((t) => t.key === key && values.includes(t.value));
  }
  throw new AwsFault(400, "ValidationError", `Filter name '${name}' is not valid`);
}

function describeAutoScalingGroups(world: AwsWorld, { region, params }: RequestInfo): object {
  const names = new Set(strings(params, "AutoScalingGroupNames", "member"));
  const filters = structs(params, "Filters", "member").map((f) => ({
    name: str(f, "Name") ?? "",
    values: strings(f, "Values", "member"),
  }));
  const includeInstances = bool(params, "IncludeInstances") ?? true;
  const matching = asgsInRegion(world, region)
    .filter((a) => names.size === 0 || names.has(a.name))
    .filter((a) => filters.every((f) => tagMatches(a, f.name, f.values)));
  const { page, nextToken } = paginate(
    matching,
    "DescribeAutoScalingGroups",
    str(params, "NextToken"),
    maxRecords(params, 100),
    world.fleet.page_size,
  );
  return {
    AutoScalingGroups: members(page.map((a) => renderGroup(world, a, includeInstances))),
    NextToken: nextToken,
  };
}

function launchTemplateSpec(ref: { id: string; name: string; version: string } | undefined) {
  return ref ? { LaunchTemplateId: ref.id, LaunchTemplateName: ref.name, Version: ref.version } : undefined;
}

function renderGroup(world: AwsWorld, asg: SimAsg, includeInstances: boolean): object {
  const lt = launchTemplateSpec(asg.launchTemplate);
  const memberInstances = asg.members
    .map((id) => world.instances.get(id)!)
    .filter((i) => i.lifecycleState !== "Terminated");
  return {
    AutoScalingGroupName: asg.name,
    AutoScalingGroupARN: asg.arn,
    LaunchConfigurationName: asg.launchConfigurationName,
    LaunchTemplate: asg.mixedInstancesPolicy ? undefined : lt,
    MixedInstancesPolicy: asg.mixedInstancesPolicy
      ? {
          LaunchTemplate: { LaunchTemplateSpecification: lt, Overrides: members([]) },
          InstancesDistribution: {
            OnDemandAllocationStrategy: "prioritized",
            OnDemandBaseCapacity: 0,
            OnDemandPercentageAboveBaseCapacity: 100,
            SpotAllocationStrategy: "lowest-price",
            SpotInstancePools: 2,
          },
        }
      : undefined,
    MinSize: asg.min,
    MaxSize: asg.max,
    DesiredCapacity: asg.desired,
    DefaultCooldown: 300,
    AvailabilityZones: members(asg.azs),
    LoadBalancerNames: members([]),
    TargetGroupARNs: members([]),
    HealthCheckType: "EC2",
    HealthCheckGracePeriod: 300,
    Instances: includeInstances ? members(memberInstances.map((i) => renderMember(i))) : undefined,
    CreatedTime: new Date(asg.createdAt).toISOString(),
    SuspendedProcesses: members(
      [...asg.suspended].map(([ProcessName, SuspensionReason]) => ({ ProcessName, SuspensionReason })),
    ),
    VPCZoneIdentifier: "",
    EnabledMetrics: members([]),
    Tags: members(
      asg.tags.map((t) => ({
        ResourceId: asg.name,
        ResourceType: "auto-scaling-group",
        Key: t.key,
        Value: t.value,
        PropagateAtLaunch: t.propagate,
      })),
    ),
    TerminationPolicies: members(["Default"]),
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${world.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  };
}

function renderMember(inst: SimInstance, extra: Record<string, unknown> = {}): object {
  return {
    InstanceId: inst.id,
    ...extra,
    InstanceType: inst.instanceType,
    AvailabilityZone: inst.az,
    LifecycleState: inst.lifecycleState,
    HealthStatus: inst.health,
    LaunchConfigurationName: inst.launchConfigurationName,
    LaunchTemplate: launchTemplateSpec(inst.launchTemplate),
    ProtectedFromScaleIn: inst.protectedFromScaleIn === true,
  };
}

function describeAutoScalingInstances(world: AwsWorld, { region, params }: RequestInfo): object {
  const ids = strings(params, "InstanceIds", "member");
  if (ids.length > 50) {
    throw new AwsFault(
      400,
      "ValidationError",
      "The number of instance ids that may be passed in is limited to 50",
    );
  }
  const wanted = new Set(ids);
  const all = [...world.instances.values()].filter(
    (i) =>
      i.region === region &&
      i.asgName &&
      i.lifecycleState !== "Terminated" &&
      (wanted.size === 0 || wanted.has(i.id)),
  );
  const { page, nextToken } = paginate(
    all,
    "DescribeAutoScalingInstances",
    str(params, "NextToken"),
    maxRecords(params, 50),
    world.fleet.page_size,
  );
  return {
    AutoScalingInstances: members(
      page.map((i) => ({
        ...renderMember(i, { AutoScalingGroupName: i.asgName }),
        HealthStatus: i.health.toUpperCase(),
      })),
    ),
    NextToken: nextToken,
  };
}

function memberOf(
  world: AwsWorld,
  region: string,
  id: string | undefined,
): { asg: SimAsg; inst: SimInstance } {
  const inst = id ? world.instances.get(id) : undefined;
  const asg = inst?.asgName ? world.asgs.get(`${region}/${inst.asgName}`) : undefined;
  if (!inst || !asg || inst.region !== region || inst.lifecycleState === "Terminated") {
    throw new AwsFault(
      400,
      "ValidationError",
      `Instance Id not found - No managed instance found for instance ID: ${id ?? ""}`,
    );
  }
  return { asg, inst };
}

function terminateInstanceInAutoScalingGroup(world: AwsWorld, { region, params }: RequestInfo): object {
  const decrementRaw = str(params, "ShouldDecrementDesiredCapacity");
  if (decrementRaw === undefined) {
    throw new AwsFault(
      400,
      "ValidationError",
      "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null",
    );
  }
  const { asg, inst } = memberOf(world, region, str(params, "InstanceId"));
  const decrement = decrementRaw === "true";
  if (decrement && asg.desired <= asg.min) {
    throw new AwsFault(
      400,
      "ValidationError",
      `Currently, desiredSize equals minSize (${asg.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
    );
  }
  terminateInstance(world, asg, inst, decrement);
  const now = new Date(world.shared.clock.now()).toISOString();
  return {
    Activity: {
      ActivityId: randomUUID(),
      AutoScalingGroupName: asg.name,
      Description: `Terminating EC2 instance: ${inst.id}`,
      Cause: `At ${now} instance ${inst.id} was taken out of service in response to a user request${decrement ? ", shrinking the capacity from " + (asg.desired + 1) + " to " + asg.desired : ""}.`,
      StartTime: now,
      StatusCode: "InProgress",
      Progress: 0,
      Details: JSON.stringify({ "Availability Zone": inst.az }),
    },
  };
}

function setDesiredCapacity(world: AwsWorld, { region, params }: RequestInfo): object {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  const desired = int(params, "DesiredCapacity");
  if (desired === undefined) throw new AwsFault(400, "ValidationError", "DesiredCapacity is required");
  if (desired > asg.max) {
    throw new AwsFault(
      400,
      "ValidationError",
      `New SetDesiredCapacity value ${desired} is above max value ${asg.max} for the AutoScalingGroup.`,
    );
  }
  if (desired < asg.min) {
    throw new AwsFault(
      400,
      "ValidationError",
      `New SetDesiredCapacity value ${desired} is below min value ${asg.min} for the AutoScalingGroup.`,
    );
  }
  asg.desired = desired;
  reconcile(world, asg);
  return {};
}

function createOrUpdateTags(world: AwsWorld, request: RequestInfo): object {
  for (const { asg, key, tag: t } of tagTargets(world, request)) {
    const value = str(t, "Value") ?? "";
    const propagate = bool(t, "PropagateAtLaunch") ?? false;
    const existing = asg.tags.find((x) => x.key === key);
    if (existing) Object.assign(existing, { value, propagate });
    else asg.tags.push({ key, value, propagate });
  }
  return {};
}
