// The SQS fake against the real @aws-sdk/client-sqs: JSON protocol, MD5 checks, long polls,
// visibility timeouts and redelivery, stale receipt handles, redrive, errors the SDK decodes,
// and the events routed to queues (hook targets direct and via SNS, plain notifications,
// EventBridge EC2 events, test notifications).

import { SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import type { AwsFleetInput } from "../../../src/sim/aws/index.js";
import { eventually, startTestAwsSim, type TestAwsSim } from "./helpers.js";

let sim: TestAwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const ACCOUNT = "123456789012";

function fleet(extra: Partial<AwsFleetInput> = {}): AwsFleetInput {
  return {
    account_id: ACCOUNT,
    launch_templates: [
      { name: "lt", region: "us-east-1", versions: [{ image_id: "ami-0a1b2c3d4e5f60001" }] },
    ],
    asgs: [],
    sqs: {
      queues: [
        { name: "events", visibility_timeout: 1, dead_letter_queue: "events-dlq", max_receive_count: 2 },
        { name: "events-dlq" },
        { name: "raw" },
      ],
      topics: [{ name: "asg-topic", subscriptions: [{ queue: "events" }, { queue: "raw", raw: true }] }],
      eventbridge_queue: "events",
    },
    ...extra,
  };
}

function sqsClient(s: TestAwsSim): SQSClient {
  return new SQSClient({
    region: "us-east-1",
    endpoint: s.url,
    credentials: { accessKeyId: s.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s.env.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 2,
  });
}

describe("SQS fake", () => {
  it("sends, long-polls, hides for the visibility timeout, redelivers, deletes by the latest handle", async () => {
    sim = await startTestAwsSim(fleet());
    const client = sqsClient(sim);
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: "events" }));
    expect(QueueUrl).toBe(`${sim.url}/${ACCOUNT}/events`);

    // A long poll that starts empty returns as soon as a message arrives.
    const started = Date.now();
    const polling = client.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MessageSystemAttributeNames: ["All"] }),
    );
    setTimeout(() => void client.send(new SendMessageCommand({ QueueUrl, MessageBody: "héllo" })), 100);
    const first = (await polling).Messages!;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(first).toHaveLength(1);
    expect(first[0]!.Body).toBe("héllo");
    expect(first[0]!.Attributes?.ApproximateReceiveCount).toBe("1");

    // Hidden while in flight; back after the 1 s visibility timeout with a new handle.
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const again = (
      await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          WaitTimeSeconds: 3,
          AttributeNames: ["All"],
        }),
      )
    ).Messages!;
    expect(again[0]!.MessageId).toBe(first[0]!.MessageId);
    expect(again[0]!.Attributes?.ApproximateReceiveCount).toBe("2");

    // The stale handle neither deletes nor extends; the latest one does both.
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first[0]!.ReceiptHandle }));
    await expect(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: first[0]!.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: again[0]!.ReceiptHandle,
        VisibilityTimeout: 10,
      }),
    );
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again[0]!.ReceiptHandle }));
    const q = sim.world.sqs.queues.get("events")!;
    expect(q.messages).toHaveLength(0);
    expect(q.history.map((h) => h.kind)).toEqual(["sent", "received", "received", "visibility", "deleted"]);
    client.destroy();
  });

  it("moves a message to the dead-letter queue after max_receive_count receives", async () => {
    sim = await startTestAwsSim(fleet());
    const client = sqsClient(sim);
    const QueueUrl = sim.queueUrl("events");
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: "poison" }));
    for (let i = 0; i < 2; i++) {
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
      expect(got.Messages).toHaveLength(1);
    }
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const dlq = await client.send(new ReceiveMessageCommand({ QueueUrl: sim.queueUrl("events-dlq") }));
    expect(dlq.Messages?.[0]?.Body).toBe("poison");
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:events-dlq`,
      maxReceiveCount: 2,
    });
    client.destroy();
  });

  it("answers errors the SDK decodes, and an aborted long poll takes nothing", async () => {
    sim = await startTestAwsSim(fleet());
    const client = sqsClient(sim);
    await expect(
      client.send(new ReceiveMessageCommand({ QueueUrl: `${sim.url}/${ACCOUNT}/nope` })),
    ).rejects.toMatchObject({ name: "QueueDoesNotExist" });
    await expect(
      client.send(new DeleteMessageCommand({ QueueUrl: sim.queueUrl("events"), ReceiptHandle: "garbage" })),
    ).rejects.toMatchObject({ name: "ReceiptHandleIsInvalid" });
    await expect(
      client.send(new ReceiveMessageCommand({ QueueUrl: sim.queueUrl("events"), MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    sim.world.denied.add("sqs:DeleteMessage");
    await expect(
      client.send(new DeleteMessageCommand({ QueueUrl: sim.queueUrl("events"), ReceiptHandle: "x" })),
    ).rejects.toMatchObject({ name: "AccessDenied" });

    const abort = new AbortController();
    const polling = client.send(
      new ReceiveMessageCommand({ QueueUrl: sim.queueUrl("raw"), WaitTimeSeconds: 10 }),
      {
        abortSignal: abort.signal,
      },
    );
    await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    await expect(polling).rejects.toThrow();
    await client.send(new SendMessageCommand({ QueueUrl: sim.queueUrl("raw"), MessageBody: "after" }));
    const q = sim.world.sqs.queues.get("raw")!;
    await new Promise((r) => setTimeout(r, 50));
    expect(q.messages[0]!.receiveCount).toBe(0);
    client.destroy();
  });

  it("routes hook actions (direct and SNS-wrapped), notifications, test notifications and EC2 events", async () => {
    const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:asg-topic`;
    sim = await startTestAwsSim(
      fleet({
        asgs: [
          {
            name: "app",
            region: "us-east-1",
            launch_template: { name: "lt" },
            min: 0,
            max: 3,
            desired: 1,
            boot_sec: 1,
            shutdown_sec: 1,
            notifications: [{ topic_arn: topicArn, types: ["autoscaling:EC2_INSTANCE_LAUNCH"] }],
            lifecycle_hooks: [
              {
                name: "launch",
                transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
                heartbeat_timeout: 60,
                default_result: "CONTINUE",
                notification_target_arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:events`,
              },
              {
                name: "drain",
                transition: "autoscaling:EC2_INSTANCE_TERMINATING",
                heartbeat_timeout: 60,
                default_result: "CONTINUE",
                notification_target_arn: topicArn,
              },
            ],
          },
        ],
      }),
      { timeScale: 1000 },
    );
    const events = sim.world.sqs.queues.get("events")!;
    const bodies = () => events.messages.map((m) => JSON.parse(m.body) as Record<string, unknown>);
    // Creating the hooks and the notification configuration sent test notifications.
    expect(bodies().filter((b) => b.Event === "autoscaling:TEST_NOTIFICATION")).toHaveLength(1);
    expect(bodies().filter((b) => b.Type === "Notification")).toHaveLength(1);

    await sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "app", DesiredCapacity: 2 }));
    // Launch hook, direct: the plain JSON body. After the 60 s default (CONTINUE), a LAUNCH notification via SNS.
    await eventually(() =>
      expect(bodies().some((b) => b.LifecycleTransition === "autoscaling:EC2_INSTANCE_LAUNCHING")).toBe(true),
    );
    await eventually(() => {
      const wrapped = bodies()
        .filter((b) => b.Type === "Notification")
        .map((b) => JSON.parse(b.Message as string));
      expect(wrapped.map((m) => m.Event)).toContain("autoscaling:EC2_INSTANCE_LAUNCH");
    });
    const raw = sim.world.sqs.queues.get("raw")!.messages.map((m) => JSON.parse(m.body));
    expect(raw.map((m) => m.Event)).toContain("autoscaling:EC2_INSTANCE_LAUNCH");

    // The terminate hook goes through the topic: SNS envelope whose Message is a JSON string.
    await sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "app", DesiredCapacity: 1 }));
    await eventually(() => {
      const wrapped = bodies()
        .filter((b) => b.Type === "Notification")
        .map((b) => JSON.parse(b.Message as string));
      expect(wrapped.map((m) => m.LifecycleTransition)).toContain("autoscaling:EC2_INSTANCE_TERMINATING");
    });

    const { instanceId } = sim.injectInstanceEvent({
      kind: "spot-interruption",
      target: "app",
      reclaim: false,
    });
    const ev = bodies().find((b) => b["detail-type"] === "EC2 Spot Instance Interruption Warning")!;
    expect(ev).toMatchObject({
      source: "aws.ec2",
      detail: { "instance-id": instanceId, "instance-action": "terminate" },
    });
  });
});
