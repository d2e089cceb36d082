// Pure mapping from the AWS source's raw data to HostRecords: hostvars `ec2_…` (instance) and
// `asg_…` (membership), groups by ASG name under `autoscaling_groups`, optional ec2.py aliases.
import type { AsgGroup, AsgMember, Ec2Instance, LaunchTemplateSpec } from "../../cloud/aws/types.js";
import type { AwsSourceConfig } from "../../config/aws-source.js";
import { globMatcher } from "../glob.js";
import type { GroupRef, HostRecord, Vars } from "../model.js";
import { ownValue } from "../names.js";
import type { AwsRaw } from "./aws.js";
import type { SourceContext } from "./types.js";

export const ASG_PARENT_GROUP = "autoscaling_groups";

export function templateKey(t: { id?: string; name?: string }, alias: string): string {
  return `${t.id ?? `name:${t.name ?? ""}`}|${alias}`;
}

/** Apply asg_names / asg_exclude globs and asg_tags (the server-side filters are a first cut). */
export function selectGroups(groups: readonly AsgGroup[], config: AwsSourceConfig): AsgGroup[] {
  const include = globMatcher(config.asg_names);
  const exclude = config.asg_exclude.length > 0 ? globMatcher(config.asg_exclude) : () => false;
  const tagRules = Object.entries(config.asg_tags).map(
    ([k, v]) => [k, typeof v === "string" ? [v] : v] as const,
  );
  return groups.filter((g) => {
    if (!include(g.name) || exclude(g.name)) return false;
    return tagRules.every(([key, values]) => {
      const tag = g.tags.find((t) => t.key === key);
      return tag !== undefined && (values.includes("*") || values.includes(tag.value));
    });
  });
}

/** ec2.py's to_safe with replace_dash_in_groups (its default). */
function ec2pySafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, "_");
}

type Versions = Record<string, number>;

function resolve(t: LaunchTemplateSpec | undefined, versions: Versions): number | undefined {
  if (!t?.version) return undefined;
  if (/^\d+$/.test(t.version)) return Number(t.version);
  return versions[templateKey(t, t.version)];
}

/** The member's template version: its own number, else EC2's launch tag, else the resolved alias. */
function memberVersion(m: AsgMember, ec2: Ec2Instance | undefined, versions: Versions): number | undefined {
  const own = m.launchTemplate?.version;
  if (own && /^\d+$/.test(own)) return Number(own);
  const tagged = ec2?.tags?.["aws:ec2launchtemplate:version"];
  if (tagged && /^\d+$/.test(tagged)) return Number(tagged);
  return resolve(m.launchTemplate, versions);
}

/**
 * true/false when the member's launch template (id + resolved version), launch configuration or
 * mixed-instances template differs from the group's current one; null when a version is unknown.
 */
export function isOutdated(
  group: AsgGroup,
  m: AsgMember,
  ec2: Ec2Instance | undefined,
  versions: Versions,
): boolean | null {
  if (group.launchTemplate) {
    if (!m.launchTemplate) return true; // launched from a launch configuration before the switch
    const sameTemplate = group.launchTemplate.id
      ? m.launchTemplate.id === group.launchTemplate.id
      : m.launchTemplate.name === group.launchTemplate.name;
    if (!sameTemplate) return true;
    const want = resolve(group.launchTemplate, versions);
    const have = memberVersion(m, ec2, versions);
    return want === undefined || have === undefined ? null : want !== have;
  }
  if (group.launchConfigurationName) return m.launchConfigurationName !== group.launchConfigurationName;
  return null;
}

export function mapAwsHosts(raw: AwsRaw, config: AwsSourceConfig, ctx: SourceContext): HostRecord[] {
  const states = new Set<string>(config.include_states);
  const hosts: HostRecord[] = [];
  for (const region of raw.regions) {
    if (region.skipped) continue;
    for (const group of region.groups) {
      for (const m of group.instances) {
        if (!states.has(m.lifecycleState)) {
          ctx.note({
            level: "verbose",
            message: `skipping ${m.instanceId} in ${group.name}: ${m.lifecycleState}`,
          });
          continue;
        }
        const ec2 = ownValue(region.instances, m.instanceId);
        if (!ec2) {
          ctx.note({ level: "verbose", message: `skipping ${m.instanceId} in ${group.name}: no EC2 record` });
          continue;
        }
        hosts.push(toHost(group, m, ec2, region.region, region.templateVersions, config));
      }
    }
  }
  return hosts;
}

function toHost(
  group: AsgGroup,
  m: AsgMember,
  ec2: Ec2Instance,
  region: string,
  versions: Versions,
  config: AwsSourceConfig,
): HostRecord {
  const tags = ec2.tags ?? {};
  const names: Record<string, string | undefined> = {
    "private-ip": ec2.privateIpAddress,
    "public-ip": ec2.publicIpAddress,
    "private-dns": ec2.privateDnsName,
    "public-dns": ec2.publicDnsName,
    "instance-id": ec2.instanceId,
  };
  for (const [k, v] of Object.entries(tags)) names[`tag:${k}`] = v || undefined;

  const version = memberVersion(m, ec2, versions);
  const vars: Vars = {
    ec2_instance_id: ec2.instanceId,
    ec2_image_id: ec2.imageId,
    ec2_instance_type: ec2.instanceType ?? m.instanceType,
    ec2_state: ec2.state,
    ec2_private_ip_address: ec2.privateIpAddress,
    ec2_public_ip_address: ec2.publicIpAddress,
    ec2_private_dns_name: ec2.privateDnsName,
    ec2_public_dns_name: ec2.publicDnsName,
    ec2_availability_zone: ec2.availabilityZone ?? m.availabilityZone,
    ec2_region: region,
    ec2_launch_time: ec2.launchTime,
    ec2_subnet_id: ec2.subnetId,
    ec2_vpc_id: ec2.vpcId,
    ec2_key_name: ec2.keyName,
    ec2_architecture: ec2.architecture,
    ec2_tags: tags,
    asg_name: group.name,
    asg_lifecycle_state: m.lifecycleState,
    asg_health_status: m.healthStatus,
    asg_launch_template: m.launchTemplate
      ? {
          id: m.launchTemplate.id,
          name: m.launchTemplate.name,
          version: version !== undefined ? String(version) : m.launchTemplate.version,
        }
      : undefined,
    asg_launch_configuration: m.launchConfigurationName,
    asg_outdated: isOutdated(group, m, ec2, versions),
    asg_protected_from_scale_in: m.protectedFromScaleIn,
  };
  const groups: GroupRef[] = [{ name: group.name, parent: ASG_PARENT_GROUP }];
  if (config.ec2py_aliases) {
    groups.push({ name: `tag_aws_autoscaling_groupName_${ec2pySafe(group.name)}` });
    Object.assign(vars, {
      ec2_id: ec2.instanceId,
      ec2_ip_address: ec2.publicIpAddress ?? "",
      ec2_dns_name: ec2.publicDnsName ?? "",
      ec2_placement: ec2.availabilityZone,
    });
    for (const [k, v] of Object.entries(tags)) vars[`ec2_tag_${ec2pySafe(k)}`] = v;
  }
  return {
    id: ec2.instanceId,
    source: config.name ?? "aws",
    names,
    address: ec2.privateIpAddress ?? ec2.publicIpAddress,
    vars,
    groups,
    tags,
    launchedAt: ec2.launchTime,
  };
}
