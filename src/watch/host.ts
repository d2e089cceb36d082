// The one-host inventory a watched event's play runs on. The host is named by its instance id
// (always known, unlike an address after termination); `ansible_host` is its private address
// when EC2 still knows the instance. Instance vars use the inventory's `ec2_` names
// (src/inventory/sources/aws-map.ts), so a play reads the same variables either way.
import type { AwsApi } from "../cloud/aws/api.js";
import type { Ec2Instance } from "../cloud/aws/types.js";
import type { Group, Inventory, Vars } from "../inventory/model.js";
import { ASG_PARENT_GROUP } from "../inventory/sources/aws-map.js";

/** The instance as EC2 describes it, or undefined when it is gone (or never existed). */
export async function describeInstance(api: AwsApi, instanceId: string): Promise<Ec2Instance | undefined> {
  const found = await api.describeInstances([instanceId], { ignoreMissing: true });
  const inst = found.find((i) => i.instanceId === instanceId);
  if (!inst || inst.state === "terminated") return undefined;
  return inst;
}

export function ec2Vars(inst: Ec2Instance, region: string): Vars {
  const vars: Vars = {
    ec2_instance_id: inst.instanceId,
    ec2_image_id: inst.imageId,
    ec2_instance_type: inst.instanceType,
    ec2_state: inst.state,
    ec2_private_ip_address: inst.privateIpAddress,
    ec2_public_ip_address: inst.publicIpAddress,
    ec2_private_dns_name: inst.privateDnsName,
    ec2_public_dns_name: inst.publicDnsName,
    ec2_availability_zone: inst.availabilityZone,
    ec2_region: region,
    ec2_launch_time: inst.launchTime,
    ec2_subnet_id: inst.subnetId,
    ec2_vpc_id: inst.vpcId,
    ec2_tags: inst.tags ?? {},
  };
  const address = inst.privateIpAddress ?? inst.publicIpAddress;
  // Salt's ansible roster reads the legacy name too, as the inventory builder writes it.
  if (address) Object.assign(vars, { ansible_host: address, ansible_ssh_host: address });
  return vars;
}

/** One host (the instance id), in its ASG's group under `autoscaling_groups` when known. */
export function oneHostInventory(instanceId: string, vars: Vars, asgName: string | undefined): Inventory {
  const group = (name: string, hosts: string[], children: string[] = []): Group => ({
    name,
    hosts,
    children,
    vars: {},
  });
  const groups: Record<string, Group> = {
    all: group("all", [], asgName ? [ASG_PARENT_GROUP, "ungrouped"] : ["ungrouped"]),
    ungrouped: group("ungrouped", asgName ? [] : [instanceId]),
  };
  if (asgName && asgName !== "all" && asgName !== "ungrouped" && asgName !== ASG_PARENT_GROUP) {
    groups[ASG_PARENT_GROUP] = group(ASG_PARENT_GROUP, [], [asgName]);
    groups[asgName] = group(asgName, [instanceId]);
  } else if (asgName) {
    groups.ungrouped = group("ungrouped", [instanceId]);
    groups.all!.children = ["ungrouped"];
  }
  return { hosts: { [instanceId]: vars }, groups };
}
