// SDK shapes → rollcall's plain AWS types (aws-types.ts). Type-only SDK imports: nothing here
// loads the SDK.
import type {
  Activity,
  Instance as AsgInstance,
  AutoScalingGroup,
  AutoScalingInstanceDetails,
  LifecycleHook,
} from "@aws-sdk/client-auto-scaling";
import type { Instance, LaunchTemplateVersion } from "@aws-sdk/client-ec2";
import type {
  AsgActivity,
  AsgGroup,
  AsgMember,
  Ec2Instance,
  LaunchTemplateSpec,
  LaunchTemplateVersionInfo,
  LifecycleHookInfo,
} from "./types.js";

const iso = (d: Date | undefined) =>
  d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;

function toTemplateSpec(
  spec: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string } | undefined,
): LaunchTemplateSpec | undefined {
  if (!spec) return undefined;
  return { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version };
}

/** "HEALTHY" (DescribeAutoScalingInstances) and "Healthy" (DescribeAutoScalingGroups) → "Healthy". */
function normaliseHealth(status: string | undefined): string {
  if (!status) return "Unknown";
  return status.charAt(0).toUpperCase() + status.slice(1).toLowerCase();
}

export function toAsgMember(i: AsgInstance | AutoScalingInstanceDetails): AsgMember {
  return {
    instanceId: i.InstanceId ?? "",
    lifecycleState: i.LifecycleState ?? "Unknown",
    healthStatus: normaliseHealth(i.HealthStatus),
    availabilityZone: i.AvailabilityZone,
    instanceType: i.InstanceType,
    launchTemplate: toTemplateSpec(i.LaunchTemplate),
    launchConfigurationName: i.LaunchConfigurationName,
    protectedFromScaleIn: i.ProtectedFromScaleIn,
    autoScalingGroupName: "AutoScalingGroupName" in i ? i.AutoScalingGroupName : undefined,
  };
}

export function toAsgGroup(g: AutoScalingGroup): AsgGroup {
  const mixed = g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    name: g.AutoScalingGroupName ?? "",
    arn: g.AutoScalingGroupARN,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    launchTemplate: toTemplateSpec(g.LaunchTemplate ?? mixed),
    mixedInstancesPolicy: g.MixedInstancesPolicy !== undefined,
    launchConfigurationName: g.LaunchConfigurationName,
    instances: (g.Instances ?? []).map(toAsgMember),
    tags: (g.Tags ?? []).map((t) => ({
      key: t.Key ?? "",
      value: t.Value ?? "",
      propagateAtLaunch: t.PropagateAtLaunch ?? false,
    })),
    availabilityZones: g.AvailabilityZones ?? [],
    createdTime: iso(g.CreatedTime),
  };
}

export function toEc2Instance(i: Instance): Ec2Instance {
  let tags: Record<string, string> | undefined;
  if (i.Tags && i.Tags.length > 0) {
    // Own properties: a tag named "__proto__" is a tag, not the object's prototype.
    tags = Object.fromEntries(i.Tags.filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]));
  }
  return {
    instanceId: i.InstanceId ?? "",
    imageId: i.ImageId,
    instanceType: i.InstanceType,
    state: i.State?.Name,
    privateIpAddress: i.PrivateIpAddress || undefined,
    publicIpAddress: i.PublicIpAddress || undefined,
    privateDnsName: i.PrivateDnsName || undefined,
    publicDnsName: i.PublicDnsName || undefined,
    availabilityZone: i.Placement?.AvailabilityZone,
    launchTime: iso(i.LaunchTime),
    subnetId: i.SubnetId,
    vpcId: i.VpcId,
    keyName: i.KeyName,
    architecture: i.Architecture,
    platform: i.Platform,
    tags,
  };
}

export function toTemplateVersion(v: LaunchTemplateVersion): LaunchTemplateVersionInfo {
  return {
    templateId: v.LaunchTemplateId ?? "",
    templateName: v.LaunchTemplateName,
    versionNumber: v.VersionNumber ?? 0,
    defaultVersion: v.DefaultVersion ?? false,
    imageId: v.LaunchTemplateData?.ImageId,
    instanceType: v.LaunchTemplateData?.InstanceType,
  };
}

export function toHook(h: LifecycleHook): LifecycleHookInfo {
  return {
    name: h.LifecycleHookName ?? "",
    asgName: h.AutoScalingGroupName ?? "",
    transition: h.LifecycleTransition ?? "",
    heartbeatTimeout: h.HeartbeatTimeout,
    globalTimeout: h.GlobalTimeout,
    defaultResult: h.DefaultResult,
    notificationTargetArn: h.NotificationTargetARN,
    roleArn: h.RoleARN,
    notificationMetadata: h.NotificationMetadata,
  };
}

export function toActivity(a: Activity): AsgActivity {
  return {
    activityId: a.ActivityId ?? "",
    asgName: a.AutoScalingGroupName ?? "",
    description: a.Description,
    cause: a.Cause,
    statusCode: a.StatusCode ?? "",
    startTime: iso(a.StartTime),
  };
}
