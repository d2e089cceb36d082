// The ASG inventory source end to end against the simulator, through the real SDK clients.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostRecord, InventoryNote } from "../../src/inventory/model.js";
import { type AwsRaw, awsSource, awsSourceSchema } from "../../src/inventory/sources/aws.js";
import {
  type AwsFleetInput,
  addLaunchTemplateVersion,
  findAsg,
  terminateInstance,
} from "../../src/sim/aws/index.js";
import { startTestAwsSim, type TestAwsSim } from "../sim/aws/helpers.js";

const fleet: AwsFleetInput = {
  regions: ["us-east-1", "eu-west-1"],
  opt_in_required_regions: ["af-south-1"],
  page_size: 2,
  launch_templates: [
    {
      name: "kafka-lt",
      region: "us-east-1",
      versions: [{ image_id: "ami-0000000000000a001" }, { image_id: "ami-0000000000000a002" }],
    },
    {
      name: "zk-lt",
      region: "us-east-1",
      versions: [
        { image_id: "ami-0000000000000b001" },
        { image_id: "ami-0000000000000b002" },
        { image_id: "ami-0000000000000b003" },
      ],
      default_version: 2,
    },
    {
      name: "ci-lt",
      region: "eu-west-1",
      versions: [{ image_id: "ami-0000000000000c001" }, { image_id: "ami-0000000000000c002" }],
    },
  ],
  asgs: [
    {
      name: "kafka-asg-prod",
      region: "us-east-1",
      launch_template: { name: "kafka-lt", version: "$Latest" },
      min: 3,
      max: 4,
      desired: 3,
      outdated: 2,
      tags: { Role: "kafka", Env: "prod" },
    },
    {
      name: "kafka-stage",
      region: "us-east-1",
      launch_template: { name: "kafka-lt", version: "1" },
      desired: 1,
      tags: { Role: "kafka", Env: "stage" },
    },
    {
      name: "zk-prod",
      region: "us-east-1",
      launch_template: { name: "zk-lt", version: "$Default" },
      desired: 3,
      outdated: 1,
      untagged_in_describe_instances: true,
      tags: { Role: "zookeeper", Env: "prod" },
    },
    {
      name: "legacy",
      region: "us-east-1",
      launch_configuration: "legacy-lc-v7",
      desired: 2,
      outdated: 1,
      tags: { Role: "legacy" },
    },
    {
      name: "ci-runners",
      region: "eu-west-1",
      launch_template: { name: "ci-lt", version: "$Latest" },
      mixed_instances_policy: true,
      desired: 2,
      outdated: 1,
      boot_sec: 36000,
      shutdown_sec: 36000,
      tags: { Role: "ci" },
    },
  ],
};

let sim: TestAwsSim;
beforeAll(async () => {
  sim = await startTestAwsSim(fleet, { latencyMs: 2 });
});
afterAll(() => sim.stop());

function setup(source: Record<string, unknown> = {}) {
  const config = awsSourceSchema.parse({ type: "aws", regions: ["us-east-1", "eu-west-1"], ...source });
  const notes: InventoryNote[] = [];
  const ctx = {
    env: { ...sim.sourceEnv },
    homeDir: "/nonexistent",
    note: (n: InventoryNote) => notes.push(n),
  };
  return { config, ctx, notes };
}

async function hostsFor(source: Record<string, unknown> = {}) {
  const { config, ctx, notes } = setup(source);
  const raw = await awsSource.fetch(config, ctx);
  // What the cache stores must survive JSON and map to the same hosts.
  const cached = JSON.parse(JSON.stringify(raw)) as AwsRaw;
  const hosts = awsSource.toHosts(cached, config, ctx);
  expect(awsSource.toHosts(raw, config, ctx)).toEqual(hosts);
  return { hosts, notes, raw };
}

const byAsg = (hosts: HostRecord[], name: string) => hosts.filter((h) => h.vars.asg_name === name);

describe("aws source", () => {
  it("maps every member to ec2_/asg_ hostvars, groups and names", async () => {
    const { hosts } = await hostsFor();
    expect(hosts).toHaveLength(11);
    const h = byAsg(hosts, "kafka-asg-prod").find((x) => x.vars.asg_outdated === false)!;
    expect(h.groups).toEqual([{ name: "kafka-asg-prod", parent: "autoscaling_groups" }]);
    expect(h.address).toMatch(/^127\./);
    expect(h.names).toMatchObject({ "private-ip": h.address, "instance-id": h.id, "tag:Role": "kafka" });
    expect(h.tags).toMatchObject({
      Role: "kafka",
      Env: "prod",
      "aws:autoscaling:groupName": "kafka-asg-prod",
    });
    expect(h.launchedAt).toBe(h.vars.ec2_launch_time);
    expect(h.vars).toMatchObject({
      ec2_instance_id: h.id,
      ec2_private_ip_address: h.address,
      ec2_private_dns_name: expect.stringMatching(/^ip-127-.*\.ec2\.internal$/),
      ec2_instance_type: "m5.large",
      ec2_image_id: "ami-0000000000000a002",
      ec2_availability_zone: expect.stringMatching(/^us-east-1[abc]$/),
      ec2_region: "us-east-1",
      ec2_state: "running",
      ec2_tags: { Role: "kafka", Env: "prod" },
      asg_name: "kafka-asg-prod",
      asg_lifecycle_state: "InService",
      asg_health_status: "Healthy",
      asg_launch_template: { name: "kafka-lt", version: "2" },
    });
  });

  it("computes asg_outdated from template id + resolved $Latest/$Default, numbers, mixed policy and launch configuration", async () => {
    const { hosts } = await hostsFor();
    const outdated = (name: string) => byAsg(hosts, name).map((h) => h.vars.asg_outdated);
    expect(outdated("kafka-asg-prod")).toEqual([true, true, false]);
    expect(outdated("kafka-stage")).toEqual([false]);
    expect(outdated("zk-prod")).toEqual([true, false, false]);
    expect(
      byAsg(hosts, "zk-prod").map((h) => (h.vars.asg_launch_template as { version: string }).version),
    ).toEqual(["1", "2", "2"]);
    expect(outdated("legacy")).toEqual([true, false]);
    expect(byAsg(hosts, "legacy")[1]!.vars.asg_launch_configuration).toBe("legacy-lc-v7");
    expect(outdated("ci-runners")).toEqual([true, false]);
  });

  it("follows $Latest when a new version is published", async () => {
    addLaunchTemplateVersion(sim.world, "us-east-1", "kafka-lt", { imageId: "ami-0000000000000a003" });
    try {
      const { hosts } = await hostsFor({ asg_names: "kafka-*" });
      expect(byAsg(hosts, "kafka-asg-prod").map((h) => h.vars.asg_outdated)).toEqual([true, true, true]);
      expect(byAsg(hosts, "kafka-stage").map((h) => h.vars.asg_outdated)).toEqual([false]);
    } finally {
      sim.world.templates.forEach((t) => {
        if (t.name === "kafka-lt") t.versions.pop();
      });
    }
  });

  it("gets tags from DescribeTags when DescribeInstances has none", async () => {
    const { hosts, notes } = await hostsFor({ asg_names: ["zk-*"] });
    expect(hosts).toHaveLength(3);
    for (const h of hosts)
      expect(h.tags).toMatchObject({ Role: "zookeeper", "aws:autoscaling:groupName": "zk-prod" });
    expect(notes.some((n) => /without tags in DescribeInstances/.test(n.message))).toBe(true);
  });

  it("asks DescribeTags only for instances DescribeInstances returned bare, and batches ids", async () => {
    const count = (route: string) => sim.world.requestCounts[route] ?? 0;
    const tags = count("ec2:DescribeTags");
    const instances = count("ec2:DescribeInstances");
    await hostsFor({ asg_names: "kafka-*" });
    expect(count("ec2:DescribeTags")).toBe(tags);
    // 4 ids: one batch, two pages of 2 (the fake's page size); none for a region with no match.
    expect(count("ec2:DescribeInstances") - instances).toBe(2);
  });

  it("selects groups by name glob, prefix, exclusion and tags", async () => {
    const names = async (source: Record<string, unknown>) =>
      [...new Set((await hostsFor(source)).hosts.map((h) => h.vars.asg_name))].sort();
    expect(await names({ asg_names: ["kafka-*"], asg_exclude: ["*-stage"] })).toEqual(["kafka-asg-prod"]);
    expect(await names({ asg_names: ["legacy", "zk-prod"] })).toEqual(["legacy", "zk-prod"]);
    expect(await names({ asg_tags: { Env: "prod" } })).toEqual(["kafka-asg-prod", "zk-prod"]);
    expect(await names({ asg_tags: { Role: ["kafka", "ci"], Env: "*" } })).toEqual([
      "kafka-asg-prod",
      "kafka-stage",
    ]);
  });

  it("leaves terminating instances out by default and keeps them on request", async () => {
    const asg = findAsg(sim.world, "eu-west-1", "ci-runners")!;
    const victim = sim.world.instances.get(asg.members[0]!)!;
    terminateInstance(sim.world, asg, victim, false);
    const { hosts, notes } = await hostsFor({ regions: ["eu-west-1"] });
    expect(hosts.map((h) => h.id)).not.toContain(victim.id);
    expect(hosts.map((h) => h.vars.asg_lifecycle_state).sort()).toEqual(["InService", "Pending"]);
    expect(notes.some((n) => n.message === `skipping ${victim.id} in ci-runners: Terminating`)).toBe(true);
    const all = await hostsFor({
      regions: ["eu-west-1"],
      include_states: ["InService", "Pending", "Terminating"],
    });
    expect(all.hosts.find((h) => h.id === victim.id)?.vars.asg_lifecycle_state).toBe("Terminating");
  });

  it("adds ec2.py aliases on request", async () => {
    const { hosts } = await hostsFor({ asg_names: "kafka-asg-prod", ec2py_aliases: true });
    const h = hosts[0]!;
    expect(h.groups).toContainEqual({ name: "tag_aws_autoscaling_groupName_kafka_asg_prod" });
    expect(h.vars).toMatchObject({
      ec2_id: h.id,
      ec2_tag_Role: "kafka",
      ec2_tag_aws_autoscaling_groupName: "kafka-asg-prod",
    });
  });

  it("skips a region that is not enabled with a warning, unless strict", async () => {
    const { hosts, notes, raw } = await hostsFor({ regions: ["us-east-1", "af-south-1", "ap-south-1"] });
    expect(hosts.length).toBeGreaterThan(0);
    expect(raw.regions.filter((r) => r.skipped).map((r) => [r.region, r.skipped?.code])).toEqual([
      ["af-south-1", "OptInRequired"],
      ["ap-south-1", "InvalidClientTokenId"],
    ]);
    expect(notes.filter((n) => n.level === "warn").map((n) => n.message)).toEqual([
      expect.stringMatching(
        /^source aws: skipping region af-south-1: autoscaling DescribeAutoScalingGroups \(af-south-1\) failed: HTTP 401: OptInRequired/,
      ),
      expect.stringMatching(/^source aws: skipping region ap-south-1: .*InvalidClientTokenId/),
    ]);
    const { config, ctx } = setup({ regions: ["us-east-1", "af-south-1"], strict: true });
    await expect(awsSource.fetch(config, ctx)).rejects.toMatchObject({
      data: { code: "OptInRequired", status: 401 },
    });
  });

  it("survives a 20 % fault rate (throttles and 5xx) through the SDK's retries", async () => {
    // Groups that need every call: paged groups and instances, DescribeTags, template aliases.
    const only = { regions: ["us-east-1"], asg_names: ["kafka-asg-prod", "zk-prod"] };
    const clean = (await hostsFor(only)).hosts;
    sim.shared.faults.setRate(0.2);
    try {
      const { hosts } = await hostsFor({ ...only, max_attempts: 10 });
      expect(hosts).toEqual(clean);
    } finally {
      sim.shared.faults.setRate(0);
    }
  });

  it("keeps secrets out of the cache identity", () => {
    const { config, ctx } = setup({ asg_names: "kafka-*" });
    const identity = JSON.stringify(awsSource.cacheIdentity(config, ctx));
    expect(identity).not.toContain(sim.env.AWS_SECRET_ACCESS_KEY);
    expect(identity).not.toContain(sim.env.AWS_ACCESS_KEY_ID);
    expect(identity).toContain("kafka-*");
    const other = setup({ asg_names: "kafka-*", profile: "prod" });
    expect(JSON.stringify(awsSource.cacheIdentity(other.config, other.ctx))).not.toEqual(identity);
  });
});
