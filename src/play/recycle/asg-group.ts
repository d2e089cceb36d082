// Reading an Auto Scaling group for a recycle: is it steady enough to touch, is an instance on
// the group's current launch template (id + resolved version), and the plain views the module
// returns. Pure functions, except `classifyInstance`, which resolves `$Latest`/`$Default`.
import type { AwsApi } from "../../cloud/aws/api.js";
import type { AsgGroup, AsgMember, Ec2Instance } from "../../cloud/aws/types.js";

/** The group tag holding the desired capacity from before a surge (aws-asg-roller's idea). */
export const ORIGINAL_DESIRED_TAG = "rollcall:original-desired";
/** The max size from before rollcall raised it by one for a surge at max size. */
export const ORIGINAL_MAX_TAG = "rollcall:original-max";
/** The processes rollcall suspended (comma-separated): exactly these are resumed afterwards. */
export const SUSPENDED_TAG = "rollcall:suspended";
/** Every tag a recycle may leave behind after a crash (the lease has its own, see lease-asg.ts). */
export const RECYCLE_TAGS = [ORIGINAL_DESIRED_TAG, ORIGINAL_MAX_TAG, SUSPENDED_TAG] as const;

/** DescribeInstanceRefreshes statuses during which the group is being changed by AWS. */
const ACTIVE_REFRESH = new Set(["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]);

export interface InstanceView {
  instanceId: string;
  privateIp: string | null;
  launchTime: string | null;
  imageId: string | null;
  availabilityZone: string | null;
  lifecycleState: string | null;
  healthStatus: string | null;
  launchTemplate: { id: string | null; name: string | null; version: string | null } | null;
}

export function instanceView(
  member: AsgMember | undefined,
  ec2: Ec2Instance | undefined,
  id: string,
): InstanceView {
  const lt = member?.launchTemplate;
  const taggedVersion = ec2?.tags?.["aws:ec2launchtemplate:version"];
  return {
    instanceId: id,
    privateIp: ec2?.privateIpAddress ?? null,
    launchTime: ec2?.launchTime ?? null,
    imageId: ec2?.imageId ?? null,
    availabilityZone: ec2?.availabilityZone ?? member?.availabilityZone ?? null,
    lifecycleState: member?.lifecycleState ?? null,
    healthStatus: member?.healthStatus ?? null,
    launchTemplate: lt
      ? {
          id: lt.id ?? null,
          name: lt.name ?? null,
          version:
            lt.version && /^\d+$/.test(lt.version) ? lt.version : (taggedVersion ?? lt.version ?? null),
        }
      : null,
  };
}

export const isTransient = (m: AsgMember) => /^(Pending|Terminating)/.test(m.lifecycleState);
export const isGoing = (m: AsgMember) => m.lifecycleState.startsWith("Terminat");
export const isUp = (m: AsgMember) => m.lifecycleState === "InService" && m.healthStatus === "Healthy";

/**
 * Why the group is mid-change (anything launching/terminating, an unhealthy or standby member,
 * desired ≠ InService count), or undefined when it is steady. `ignoreStandby`: Standby members
 * are out of the count by AWS's own rule (desired capacity excludes them) and are left to the
 * `protected` policy.
 */
export function midChange(group: AsgGroup, ignoreStandby = false): string | undefined {
  const reasons: string[] = [];
  for (const m of group.instances) {
    if (ignoreStandby && m.lifecycleState === "Standby") continue;
    if (m.lifecycleState !== "InService") reasons.push(`${m.instanceId} is ${m.lifecycleState}`);
    else if (m.healthStatus !== "Healthy") reasons.push(`${m.instanceId} is ${m.healthStatus}`);
  }
  const inService = group.instances.filter((m) => m.lifecycleState === "InService").length;
  if (group.desiredCapacity !== inService) {
    reasons.push(`desired capacity ${group.desiredCapacity} ≠ ${inService} InService`);
  }
  return reasons.length > 0 ? reasons.join(", ") : undefined;
}

/** An active instance refresh, described, or undefined. */
export function activeRefresh(refreshes: { id: string; status: string }[]): string | undefined {
  const r = refreshes.find((x) => ACTIVE_REFRESH.has(x.status));
  return r ? `instance refresh ${r.id} is ${r.status}` : undefined;
}

export function originalDesiredTag(group: AsgGroup): number | undefined {
  return numberTag(group, ORIGINAL_DESIRED_TAG);
}

export function numberTag(group: AsgGroup, key: string): number | undefined {
  const tag = group.tags.find((t) => t.key === key);
  if (!tag || !/^\d+$/.test(tag.value)) return undefined;
  return Number(tag.value);
}

export function tagValue(group: AsgGroup, key: string): string | undefined {
  return group.tags.find((t) => t.key === key)?.value;
}

export interface Classification {
  /** null: a version could not be resolved (a deleted template, say). */
  outdated: boolean | null;
  /** "kafka-lt v1" / "lc legacy-lc-previous" */
  have: string;
  want: string;
  /** "kafka-lt v1 → v2", or "have → want" across templates / launch configurations. */
  change: string;
}

/**
 * The same rule as the inventory's `asg_outdated`: launch template id + resolved version (the
 * instance's own number, else EC2's `aws:ec2launchtemplate:version` tag), or the launch
 * configuration name.
 */
export async function classifyInstance(
  api: AwsApi,
  group: AsgGroup,
  member: AsgMember,
  ec2: Ec2Instance | undefined,
): Promise<Classification> {
  const glt = group.launchTemplate;
  if (!glt) {
    const have = `launch configuration ${member.launchConfigurationName ?? "(none)"}`;
    const want = `launch configuration ${group.launchConfigurationName ?? "(none)"}`;
    const known = group.launchConfigurationName !== undefined;
    const outdated = known ? member.launchConfigurationName !== group.launchConfigurationName : null;
    return { outdated, have, want, change: `${have} → ${want}` };
  }
  const label = (t: { id?: string; name?: string }) => t.name ?? t.id ?? "?";
  const wantVersion = await resolveVersion(api, glt, glt.version);
  const want = `${label(glt)} v${wantVersion ?? glt.version ?? "?"}`;
  const mlt = member.launchTemplate;
  if (!mlt) {
    const have = `launch configuration ${member.launchConfigurationName ?? "(none)"}`;
    return { outdated: true, have, want, change: `${have} → ${want}` };
  }
  const same = glt.id ? mlt.id === glt.id : mlt.name === glt.name;
  const tagged = ec2?.tags?.["aws:ec2launchtemplate:version"];
  const haveVersion =
    mlt.version && /^\d+$/.test(mlt.version)
      ? Number(mlt.version)
      : tagged && /^\d+$/.test(tagged)
        ? Number(tagged)
        : same
          ? await resolveVersion(api, mlt, mlt.version)
          : undefined;
  const have = `${label(mlt)} v${haveVersion ?? mlt.version ?? "?"}`;
  if (!same) return { outdated: true, have, want, change: `${have} → ${want}` };
  const change = `${have} → v${wantVersion ?? glt.version ?? "?"}`;
  if (wantVersion === undefined || haveVersion === undefined) return { outdated: null, have, want, change };
  return { outdated: wantVersion !== haveVersion, have, want, change };
}

async function resolveVersion(
  api: AwsApi,
  t: { id?: string; name?: string },
  version: string | undefined,
): Promise<number | undefined> {
  if (!version) return undefined;
  if (/^\d+$/.test(version)) return Number(version);
  if (!t.id && !t.name) return undefined;
  const [v] = await api.describeLaunchTemplateVersions({ id: t.id, name: t.name }, [version]);
  return v?.versionNumber;
}
