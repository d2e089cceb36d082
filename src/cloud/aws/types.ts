// Plain, JSON-serialisable views of the AWS objects rollcall reads. The SDK's own types carry
// Dates and optional-everything; these are what the inventory cache stores and what callers
// (inventory source, asg_recycle, lifecycle handlers) program against.

export interface LaunchTemplateSpec {
  id?: string;
  name?: string;
  /** A version number as a string, `$Latest` or `$Default`. */
  version?: string;
}

export interface AsgMember {
  instanceId: string;
  /** Pending, Pending:Wait, InService, Terminating, Terminating:Wait, Terminated, Standby… */
  lifecycleState: string;
  /** "Healthy" / "Unhealthy" (normalised: DescribeAutoScalingInstances says "HEALTHY"). */
  healthStatus: string;
  availabilityZone?: string;
  instanceType?: string;
  launchTemplate?: LaunchTemplateSpec;
  launchConfigurationName?: string;
  protectedFromScaleIn?: boolean;
  /** Only from DescribeAutoScalingInstances. */
  autoScalingGroupName?: string;
}

export interface AsgTag {
  key: string;
  value: string;
  propagateAtLaunch: boolean;
}

export interface AsgGroup {
  name: string;
  arn?: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** LaunchTemplate, or the MixedInstancesPolicy's template when the group has one. */
  launchTemplate?: LaunchTemplateSpec;
  mixedInstancesPolicy: boolean;
  launchConfigurationName?: string;
  instances: AsgMember[];
  tags: AsgTag[];
  availabilityZones: string[];
  createdTime?: string;
  /** Auto Scaling processes suspended on the group (AZRebalance, ReplaceUnhealthy, …). */
  suspendedProcesses?: string[];
}

export interface Ec2Instance {
  instanceId: string;
  imageId?: string;
  instanceType?: string;
  /** pending, running, shutting-down, terminated, stopping, stopped */
  state?: string;
  privateIpAddress?: string;
  publicIpAddress?: string;
  privateDnsName?: string;
  publicDnsName?: string;
  availabilityZone?: string;
  launchTime?: string;
  subnetId?: string;
  vpcId?: string;
  keyName?: string;
  architecture?: string;
  platform?: string;
  /** Undefined when DescribeInstances returned no tags at all (see DescribeTags). */
  tags?: Record<string, string>;
}

export interface LaunchTemplateVersionInfo {
  templateId: string;
  templateName?: string;
  versionNumber: number;
  defaultVersion: boolean;
  imageId?: string;
  instanceType?: string;
}

export interface LifecycleHookInfo {
  name: string;
  asgName: string;
  transition: string;
  heartbeatTimeout?: number;
  globalTimeout?: number;
  defaultResult?: string;
  notificationTargetArn?: string;
  roleArn?: string;
  notificationMetadata?: string;
}

export interface AsgActivity {
  activityId: string;
  asgName: string;
  description?: string;
  cause?: string;
  statusCode: string;
  startTime?: string;
}

export interface Ec2Filter {
  name: string;
  values: string[];
}
