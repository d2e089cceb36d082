// Builds the simulated account from a fleet: launch templates, groups, and each group's initial
// members (already InService, an hour apart, the first `outdated` ones from the previous
// template version or launch configuration).
import { randomUUID } from "node:crypto";
import { createInstance, openPorts, setState } from "./asg-lifecycle.js";
import type { AwsFleet } from "./fleet.js";
import {
  type AwsWorld,
  asgKey,
  findTemplate,
  type LaunchTemplateRef,
  resolveVersion,
  type SimAsg,
} from "./world.js";

const HOUR_MS = 3_600_000;

export function populateWorld(world: AwsWorld, fleet: AwsFleet): void {
  const now = world.shared.clock.now();
  for (const lt of fleet.launch_templates) {
    const id = world.nextId("lt");
    world.templates.set(id, {
      id,
      name: lt.name,
      region: lt.region,
      defaultVersion: lt.default_version,
      versions: lt.versions.map((v, i) => ({
        number: i + 1,
        imageId: v.image_id,
        instanceType: v.instance_type,
        createdAt: now - (lt.versions.length - i) * 24 * HOUR_MS,
      })),
    });
  }
  for (const spec of fleet.asgs) {
    const asg = createAsg(world, spec, now);
    // The initial members are already InService, launched an hour apart (oldest first), the
    // first `outdated` of them from the previous template version / launch configuration.
    for (let i = 0; i < spec.desired; i++) {
      const inst = createInstance(world, asg, {
        outdated: i < spec.outdated,
        launchTime: now - (spec.desired - i) * HOUR_MS,
      });
      setState(world, inst, "InService");
      inst.ec2State = "running";
      openPorts(world, inst, asg);
    }
  }
}

function createAsg(world: AwsWorld, spec: AwsFleet["asgs"][number], now: number): SimAsg {
  let launchTemplate: LaunchTemplateRef | undefined;
  if (spec.launch_template) {
    const t = findTemplate(world, spec.region, { name: spec.launch_template.name });
    if (!t)
      throw new Error(`ASG ${spec.name}: no launch template ${spec.launch_template.name} in ${spec.region}`);
    const version = String(spec.launch_template.version);
    if (resolveVersion(t, version) === undefined) {
      throw new Error(`ASG ${spec.name}: launch template ${t.name} has no version ${version}`);
    }
    launchTemplate = { id: t.id, name: t.name, version };
  }
  const azs = spec.availability_zones ?? [`${spec.region}a`, `${spec.region}b`, `${spec.region}c`];
  const asg: SimAsg = {
    name: spec.name,
    region: spec.region,
    arn: `arn:aws:autoscaling:${spec.region}:${world.accountId}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${spec.name}`,
    spec,
    min: spec.min,
    max: spec.max,
    desired: spec.desired,
    launchTemplate,
    launchConfigurationName: spec.launch_configuration,
    mixedInstancesPolicy: spec.mixed_instances_policy,
    tags: Object.entries(spec.tags).map(([key, v]) =>
      typeof v === "string"
        ? { key, value: v, propagate: true }
        : { key, value: v.value, propagate: v.propagate },
    ),
    hooks: [...spec.lifecycle_hooks],
    azs,
    createdAt: now - 30 * 24 * HOUR_MS,
    members: [],
    neverHealthy: spec.never_healthy,
    suspended: new Map(spec.suspended_processes.map((p) => [p, "User suspended (fleet file)"])),
    ...(spec.flap_replacements && {
      flap: {
        cycles: spec.flap_replacements.cycles,
        upSec: spec.flap_replacements.up_sec,
        downSec: spec.flap_replacements.down_sec,
      },
    }),
  };
  world.asgs.set(asgKey(spec.region, spec.name), asg);
  return asg;
}
