// The EC2 half of the AWS fake, driven by the real @aws-sdk/client-ec2.
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeTagsCommand,
  EC2Client,
  paginateDescribeInstances,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsFleetInput, addLaunchTemplateVersion } from "../../../src/sim/aws/index.js";
import { eventually, startTestAwsSim, type TestAwsSim } from "./helpers.js";

const fleet: AwsFleetInput = {
  regions: ["us-east-1", "eu-west-1"],
  page_size: 5,
  launch_templates: [
    {
      name: "web-lt",
      region: "us-east-1",
      versions: [
        { image_id: "ami-0000000000000aaa1" },
        { image_id: "ami-0000000000000aaa2" },
        { image_id: "ami-0000000000000aaa3" },
      ],
      default_version: 2,
    },
  ],
  asgs: [
    {
      name: "web",
      region: "us-east-1",
      launch_template: { name: "web-lt", version: "$Latest" },
      min: 0,
      max: 20,
      desired: 12,
      outdated: 4,
      ports: [8080],
      tags: { Role: "web", Env: "prod" },
    },
    {
      name: "hidden-tags",
      region: "us-east-1",
      launch_template: { name: "web-lt", version: "$Default" },
      desired: 2,
      untagged_in_describe_instances: true,
      tags: { Role: "batch" },
    },
  ],
};

let sim: TestAwsSim;
let ec2: EC2Client;

beforeAll(async () => {
  sim = await startTestAwsSim(fleet);
  ec2 = sim.ec2();
});
afterAll(() => sim.stop());

async function allInstances(input: ConstructorParameters<typeof DescribeInstancesCommand>[0] = {}) {
  const out = [];
  let pages = 0;
  for await (const page of paginateDescribeInstances({ client: ec2 }, input)) {
    pages++;
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
  }
  return { instances: out, pages };
}

describe("DescribeInstances", () => {
  it("pages with the small default page size and a NextToken the SDK paginator follows", async () => {
    const { instances, pages } = await allInstances();
    expect(instances).toHaveLength(14);
    expect(pages).toBe(3);
    expect(new Set(instances.map((i) => i.InstanceId)).size).toBe(14);
    for (const i of instances) {
      expect(i.PrivateIpAddress).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(i.State?.Name).toBe("running");
      expect(i.LaunchTime).toBeInstanceOf(Date);
      expect(i.Placement?.AvailabilityZone).toMatch(/^us-east-1[abc]$/);
    }
  });

  it("filters on tag:, tag-key, instance-state-name and instance-id, wildcards included", async () => {
    const web = await allInstances({ Filters: [{ Name: "tag:Role", Values: ["we*"] }] });
    expect(web.instances).toHaveLength(12);
    const env = await allInstances({ Filters: [{ Name: "tag-key", Values: ["Env"] }] });
    expect(env.instances).toHaveLength(12);
    const running = await allInstances({
      Filters: [{ Name: "instance-state-name", Values: ["running", "pending"] }],
    });
    expect(running.instances).toHaveLength(14);
    const id = web.instances[3]!.InstanceId!;
    const one = await allInstances({
      Filters: [{ Name: "instance-id", Values: [id, "i-0ffffffffffffffff"] }],
    });
    expect(one.instances.map((i) => i.InstanceId)).toEqual([id]);
  });

  it("answers InstanceIds, and fails on unknown or malformed ids like EC2", async () => {
    const { instances } = await allInstances();
    const ids = instances.slice(0, 2).map((i) => i.InstanceId!);
    const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    expect(res.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual(ids);
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })),
    ).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["bogus"] }))).rejects.toMatchObject({
      name: "InvalidInstanceID.Malformed",
    });
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ids, MaxResults: 5 })),
    ).rejects.toMatchObject({
      name: "InvalidParameterCombination",
    });
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 2 }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
    await expect(
      ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "nope", Values: ["x"] }] })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("leaves tags out for the untagged knob, while DescribeTags still has them", async () => {
    const hidden = (await allInstances()).instances.filter((i) => (i.Tags ?? []).length === 0);
    expect(hidden).toHaveLength(2);
    const ids = hidden.map((i) => i.InstanceId!);
    const tags = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: "resource-id", Values: ids },
          { Name: "key", Values: ["Role"] },
        ],
      }),
    );
    expect(tags.Tags?.map((t) => [t.ResourceId, t.Key, t.Value, t.ResourceType])).toEqual(
      ids.map((id) => [id, "Role", "batch", "instance"]),
    );
  });

  it("pages DescribeTags", async () => {
    const first = await ec2.send(new DescribeTagsCommand({ MaxResults: 5 }));
    expect(first.Tags).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = await ec2.send(new DescribeTagsCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect(second.Tags?.[0]).not.toEqual(first.Tags?.[0]);
    await expect(ec2.send(new DescribeTagsCommand({ NextToken: "garbage" }))).rejects.toMatchObject({
      name: "InvalidNextToken",
    });
  });
});

describe("DescribeLaunchTemplateVersions", () => {
  it("resolves $Latest and $Default and numbers, by name or id", async () => {
    const res = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: "web-lt",
        Versions: ["$Latest", "$Default", "1"],
      }),
    );
    const versions = res.LaunchTemplateVersions ?? [];
    expect(versions.map((v) => [v.VersionNumber, v.DefaultVersion, v.LaunchTemplateData?.ImageId])).toEqual([
      [3, false, "ami-0000000000000aaa3"],
      [2, true, "ami-0000000000000aaa2"],
      [1, false, "ami-0000000000000aaa1"],
    ]);
    const byId = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: versions[0]!.LaunchTemplateId,
        Versions: ["$Latest"],
      }),
    );
    expect(byId.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(3);
  });

  it("follows a new version, and reports missing templates and versions", async () => {
    const n = addLaunchTemplateVersion(sim.world, "us-east-1", "web-lt", {
      imageId: "ami-0000000000000aaa4",
    });
    const res = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: "web-lt", Versions: ["$Latest"] }),
    );
    expect(res.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(n);
    await expect(
      ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: "lt-0000000000000dead",
          Versions: ["$Latest"],
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidLaunchTemplateId.NotFound" });
    await expect(
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: "web-lt", Versions: ["99"] })),
    ).rejects.toMatchObject({ name: "InvalidLaunchTemplateId.VersionNotFound" });
  });
});

describe("TerminateInstances", () => {
  it("shuts an ASG member down; the group replaces it", async () => {
    const before = (await allInstances({ Filters: [{ Name: "tag:Role", Values: ["batch"] }] })).instances;
    const victim = before[0]!.InstanceId!;
    const res = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    expect(res.TerminatingInstances?.[0]).toMatchObject({
      InstanceId: victim,
      PreviousState: { Name: "running", Code: 16 },
      CurrentState: { Name: "shutting-down", Code: 32 },
    });
    expect(sim.shared.mutatingCalls.ec2).toBe(1);
    await eventually(async () => {
      const now = (await allInstances({ Filters: [{ Name: "tag:Role", Values: ["batch"] }] })).instances;
      expect(now.find((i) => i.InstanceId === victim)?.State?.Name).toBe("terminated");
      expect(now.filter((i) => i.State?.Name === "running")).toHaveLength(2);
    });
  });
});

describe("endpoint checks", () => {
  it("rejects an unknown access key with AuthFailure, and a region the account has not enabled", async () => {
    const bad = new EC2Client({
      region: "us-east-1",
      endpoint: sim.url,
      credentials: { accessKeyId: "AKIAWRONGWRONGWRONG0", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    await expect(bad.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: "AuthFailure",
      $metadata: { httpStatusCode: 401 },
    });
    bad.destroy();
    await expect(sim.ec2("ap-southeast-2").send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: "AuthFailure",
    });
    const other = await sim.ec2("eu-west-1").send(new DescribeInstancesCommand({}));
    expect(other.Reservations).toEqual([]);
  });

  it("answers a denied action with UnauthorizedOperation and a request id", async () => {
    sim.world.denied.add("ec2:DescribeTags");
    try {
      const err = await ec2.send(new DescribeTagsCommand({})).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "UnauthorizedOperation", $metadata: { httpStatusCode: 403 } });
      expect((err as { $metadata: { requestId?: string } }).$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      sim.world.denied.delete("ec2:DescribeTags");
    }
  });
});
