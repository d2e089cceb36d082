// The Auto Scaling half of the AWS fake, driven by the real @aws-sdk/client-auto-scaling:
// paging, lifecycle, replacement from the current template version, hooks, real sockets.
import { createConnection } from "node:net";
import {
  type AutoScalingClient,
  CompleteLifecycleActionCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  paginateDescribeAutoScalingGroups,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AwsFleetInput,
  addLaunchTemplateVersion,
  type LifecycleNotification,
} from "../../../src/sim/aws/index.js";
import { eventually, startTestAwsSim, type TestAwsSim } from "./helpers.js";

const lt = {
  name: "app-lt",
  region: "us-east-1",
  versions: [{ image_id: "ami-00000000000000001" }, { image_id: "ami-00000000000000002" }],
};

function fleetWith(asgs: AwsFleetInput["asgs"], extra: Partial<AwsFleetInput> = {}): AwsFleetInput {
  return { regions: ["us-east-1"], page_size: 2, launch_templates: [lt], asgs, ...extra };
}

const app = (over: Record<string, unknown> = {}) => ({
  name: "app",
  region: "us-east-1",
  launch_template: { name: "app-lt", version: "$Latest" },
  min: 1,
  max: 5,
  desired: 3,
  outdated: 1,
  ports: [9092],
  boot_sec: 20,
  shutdown_sec: 5,
  ...over,
});

let sim: TestAwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function group(asg: AutoScalingClient, name = "app") {
  const res = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return res.AutoScalingGroups![0]!;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("DescribeAutoScalingGroups / DescribeAutoScalingInstances", () => {
  it("pages groups, filters by name and tags, and reports members with state and health", async () => {
    const asgs = Array.from({ length: 5 }, (_, i) =>
      app({ name: `g${i}`, desired: 1, outdated: 0, ports: [], tags: { Team: i % 2 ? "a" : "b" } }),
    );
    sim = await startTestAwsSim(fleetWith(asgs));
    const client = sim.autoscaling();
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeAutoScalingGroups({ client }, {})) {
      pages++;
      names.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName!));
    }
    expect(pages).toBe(3);
    expect(names).toEqual(["g0", "g1", "g2", "g3", "g4"]);

    const byName = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["g3", "nope"] }),
    );
    expect(byName.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(["g3"]);
    const byTag = await client.send(
      new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: "tag:Team", Values: ["a"] }] }),
    );
    expect(byTag.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(["g1", "g3"]);
    const g = byTag.AutoScalingGroups![0]!;
    expect(g.LaunchTemplate).toMatchObject({ LaunchTemplateName: "app-lt", Version: "$Latest" });
    expect(g.Instances?.[0]).toMatchObject({
      LifecycleState: "InService",
      HealthStatus: "Healthy",
      LaunchTemplate: { Version: "2" },
    });
    expect(g.Tags?.[0]).toMatchObject({
      Key: "Team",
      Value: "a",
      PropagateAtLaunch: true,
      ResourceType: "auto-scaling-group",
    });

    const details = await client.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [g.Instances![0]!.InstanceId!] }),
    );
    // AWS's own inconsistency, kept: capitals here.
    expect(details.AutoScalingInstances?.[0]).toMatchObject({
      AutoScalingGroupName: "g1",
      HealthStatus: "HEALTHY",
    });
    await expect(
      client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })),
    ).rejects.toMatchObject({
      name: "ValidationError",
    });
  });
});

describe("replacement", () => {
  it("terminates a member, launches its replacement from the current version, and moves the listeners", async () => {
    // Slow enough (boot and shutdown take 500 ms) to see Terminating and Pending between two requests.
    sim = await startTestAwsSim(fleetWith([app({ boot_sec: 100, shutdown_sec: 100 })]), { timeScale: 200 });
    const client = sim.autoscaling();
    const before = await group(client);
    const old = before.Instances!.find((i) => i.LaunchTemplate?.Version === "1")!;
    const oldIp = sim.world.instances.get(old.InstanceId!)!.privateIp;
    expect(await canConnect(oldIp, 9092)).toBe(true);

    const v3 = addLaunchTemplateVersion(sim.world, "us-east-1", "app-lt", {
      imageId: "ami-00000000000000003",
    });
    const res = await client.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: old.InstanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    expect(res.Activity).toMatchObject({ AutoScalingGroupName: "app", StatusCode: "InProgress" });
    expect(res.Activity?.StartTime).toBeInstanceOf(Date);

    const during = await group(client);
    expect(during.Instances?.find((i) => i.InstanceId === old.InstanceId)?.LifecycleState).toBe(
      "Terminating",
    );
    const fresh = during.Instances!.find((i) => i.LifecycleState === "Pending")!;
    expect(fresh.LaunchTemplate?.Version).toBe(String(v3));

    await eventually(async () => {
      const g = await group(client);
      expect(g.Instances?.map((i) => i.InstanceId)).not.toContain(old.InstanceId);
      expect(g.Instances?.find((i) => i.InstanceId === fresh.InstanceId)?.LifecycleState).toBe("InService");
    });
    await sim.settle();
    const freshIp = sim.world.instances.get(fresh.InstanceId!)!.privateIp;
    expect(freshIp).toMatch(/^127\./);
    expect(await canConnect(freshIp, 9092)).toBe(true);
    expect(await canConnect(oldIp, 9092)).toBe(false);
    expect(sim.shared.mutatingCalls.autoscaling).toBe(1);
    const states = sim.shared.timeline
      .filter((e) => e.subject === old.InstanceId && e.type === "state")
      .map((e) => e.detail.to);
    expect(states).toEqual(["InService", "Terminating", "Terminated"]);
  });

  it("shrinks with ShouldDecrementDesiredCapacity, refusing to go below min", async () => {
    sim = await startTestAwsSim(fleetWith([app({ min: 2, desired: 3 })]));
    const client = sim.autoscaling();
    const [a, b] = (await group(client)).Instances!;
    await client.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: a!.InstanceId,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect((await group(client)).DesiredCapacity).toBe(2);
    await expect(
      client.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: b!.InstanceId,
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError", message: expect.stringContaining("min size") });
    await expect(
      client.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: "i-0000000000000dead",
          ShouldDecrementDesiredCapacity: false,
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("SetDesiredCapacity scales out and in within min/max; CreateOrUpdateTags updates group tags", async () => {
    sim = await startTestAwsSim(fleetWith([app({ outdated: 0, ports: [] })]));
    const client = sim.autoscaling();
    await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "app", DesiredCapacity: 5 }));
    await eventually(async () =>
      expect((await group(client)).Instances?.filter((i) => i.LifecycleState === "InService")).toHaveLength(
        5,
      ),
    );
    await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "app", DesiredCapacity: 2 }));
    await eventually(async () => expect((await group(client)).Instances).toHaveLength(2));
    await expect(
      client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "app", DesiredCapacity: 9 })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("above max value 5"),
    });
    await client.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: "app",
            ResourceType: "auto-scaling-group",
            Key: "rollcall:desired",
            Value: "3",
            PropagateAtLaunch: false,
          },
        ],
      }),
    );
    expect((await group(client)).Tags?.find((t) => t.Key === "rollcall:desired")).toMatchObject({
      Value: "3",
      PropagateAtLaunch: false,
    });
  });

  it("keeps a never-healthy replacement Pending with its ports closed", async () => {
    sim = await startTestAwsSim(fleetWith([app({ never_healthy: true, outdated: 0 })]));
    const client = sim.autoscaling();
    const victim = (await group(client)).Instances![0]!;
    await client.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: victim.InstanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const fresh = (await group(client)).Instances!.find((i) => i.LifecycleState === "Pending")!;
    await new Promise((r) => setTimeout(r, 100)); // 100 simulated seconds: well past boot_sec
    expect(
      (await group(client)).Instances!.find((i) => i.InstanceId === fresh.InstanceId)?.LifecycleState,
    ).toBe("Pending");
    expect(await canConnect(sim.world.instances.get(fresh.InstanceId!)!.privateIp, 9092)).toBe(false);
  });
});

describe("lifecycle hooks", () => {
  const hooks = [
    {
      name: "launch",
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING" as const,
      heartbeat_timeout: 60,
      notification_target_arn: "arn:aws:sqs:us-east-1:123456789012:hooks",
    },
    {
      name: "drain",
      transition: "autoscaling:EC2_INSTANCE_TERMINATING" as const,
      heartbeat_timeout: 60,
      default_result: "CONTINUE" as const,
    },
  ];

  it("waits in Pending:Wait / Terminating:Wait until CompleteLifecycleAction, heartbeats extend the wait", async () => {
    const notes: LifecycleNotification[] = [];
    sim = await startTestAwsSim(fleetWith([app({ outdated: 0, lifecycle_hooks: hooks })]), {
      sim: { onLifecycleAction: (n) => notes.push(n) },
      // 1 simulated s = 10 ms: the 60 s heartbeat window is 600 ms, room to spare on a busy machine.
      timeScale: 100,
    });
    const client = sim.autoscaling();
    const listed = await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: "app" }));
    expect(
      listed.LifecycleHooks?.map((h) => [h.LifecycleHookName, h.HeartbeatTimeout, h.DefaultResult]),
    ).toEqual([
      ["launch", 60, "ABANDON"],
      ["drain", 60, "CONTINUE"],
    ]);
    const victim = (await group(client)).Instances![0]!.InstanceId!;
    await client.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: victim,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    expect((await group(client)).Instances!.find((i) => i.InstanceId === victim)?.LifecycleState).toBe(
      "Terminating:Wait",
    );
    await eventually(() =>
      expect(notes.map((n) => n.message.LifecycleTransition)).toContain("autoscaling:EC2_INSTANCE_LAUNCHING"),
    );
    const launch = notes.find((n) => n.message.LifecycleHookName === "launch")!;
    expect(launch.NotificationTargetARN).toBe("arn:aws:sqs:us-east-1:123456789012:hooks");
    expect(launch.message).toMatchObject({
      Service: "AWS Auto Scaling",
      AutoScalingGroupName: "app",
      AccountId: "123456789012",
    });
    const fresh = launch.message.EC2InstanceId;
    expect((await group(client)).Instances!.find((i) => i.InstanceId === fresh)?.LifecycleState).toBe(
      "Pending:Wait",
    );

    // 35 simulated seconds, a heartbeat, 35 more: still waiting (the window restarted).
    await new Promise((r) => setTimeout(r, 350));
    await client.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: "app",
        LifecycleHookName: "launch",
        InstanceId: fresh,
      }),
    );
    await new Promise((r) => setTimeout(r, 350));
    expect((await group(client)).Instances!.find((i) => i.InstanceId === fresh)?.LifecycleState).toBe(
      "Pending:Wait",
    );

    await client.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: "app",
        LifecycleHookName: "launch",
        LifecycleActionToken: launch.message.LifecycleActionToken,
        LifecycleActionResult: "CONTINUE",
      }),
    );
    expect((await group(client)).Instances!.find((i) => i.InstanceId === fresh)?.LifecycleState).toBe(
      "InService",
    );
    await expect(
      client.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: "app",
          LifecycleHookName: "launch",
          InstanceId: fresh,
          LifecycleActionResult: "CONTINUE",
        }),
      ),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: `No active Lifecycle Action found with instance ID ${fresh}`,
    });
    // The terminate hook's default result (CONTINUE) after its timeout lets the old one go.
    await eventually(async () =>
      expect((await group(client)).Instances!.map((i) => i.InstanceId)).not.toContain(victim),
    );
  });
});

describe("faults and latency", () => {
  it("answers Throttling in AWS's error shape; the SDK retries it", async () => {
    sim = await startTestAwsSim(fleetWith([app({ outdated: 0, ports: [] })]), { latencyMs: 20 });
    sim.shared.faults.inject("throttle", 2, "autoscaling:DescribeAutoScalingGroups");
    const started = performance.now();
    const res = await sim.autoscaling().send(new DescribeAutoScalingGroupsCommand({}));
    expect(res.$metadata.attempts).toBe(3);
    expect(res.AutoScalingGroups).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(60); // 3 answers × 20 ms latency

    sim.shared.faults.inject("throttle", 1, "ec2:DescribeInstances");
    const { DescribeInstancesCommand } = await import("@aws-sdk/client-ec2");
    const out = await sim.ec2().send(new DescribeInstancesCommand({}));
    expect(out.$metadata.attempts).toBe(2);
  });

  it("prints the environment a client needs", async () => {
    sim = await startTestAwsSim(fleetWith([]));
    expect(Object.keys(sim.env).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_ENDPOINT_URL",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
    ]);
    expect(sim.env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.env.AWS_REGION).toBe("us-east-1");
  });
});
