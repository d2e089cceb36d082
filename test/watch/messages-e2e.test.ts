// Malformed, foreign, duplicate, stale and test messages through the built CLI. Each row says
// what must happen to the message (deleted, or left for the queue's redrive policy, which here
// moves it to events-dlq after 2 receives) and the log line it produces (once, though the
// message comes back). Only the valid notifications run a play: the first copy of the duplicate,
// the one carrying template text (which arrives as text), and the unsafe minion id (whose play
// gets minion_id null and fails before any Salt command).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../sim/aws/helpers.js";
import { ACCOUNT, type Harness, startHarness, type WatcherProcess, watchFleet } from "./support/harness.js";

const TOKEN = "0f1e2d3c-4b5a-4678-9abc-def012345678";
const ASG = "kafka-asg-prod";
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:asg-events`;

const hook = (over: Record<string, unknown> = {}) => ({
  Origin: "EC2",
  Destination: "AutoScalingGroup",
  LifecycleHookName: "salt-launch",
  AccountId: ACCOUNT,
  RequestId: "4c4b0b6c-5f5e-4d3e-9a0b-1c2d3e4f5a6b",
  LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
  AutoScalingGroupName: ASG,
  Service: "AWS Auto Scaling",
  Time: "2024-05-01T10:00:00.000Z",
  EC2InstanceId: "i-0abcdef0123456789",
  LifecycleActionToken: TOKEN,
  ...over,
});
const sns = (message: unknown, type = "Notification") => ({
  Type: type,
  MessageId: "5a1c9d0e-1111-4222-8333-944455566677",
  TopicArn: TOPIC,
  Subject: "Auto Scaling",
  Message: typeof message === "string" ? message : JSON.stringify(message),
  Timestamp: "2024-05-01T10:00:00.000Z",
  SignatureVersion: "1",
});
const eventBridge = (source: string, detailType: string, detail?: unknown) => ({
  version: "0",
  id: "6b2d0e1f-2222-4333-8444-a55566677788",
  "detail-type": detailType,
  source,
  account: ACCOUNT,
  time: "2024-05-01T10:00:00Z",
  region: "us-east-1",
  resources: [],
  ...(detail === undefined ? {} : { detail }),
});
const notification = (event: string, over: Record<string, unknown> = {}) => ({
  AccountId: ACCOUNT,
  Description: "Launching a new EC2 instance: i-0abcdef0123456789",
  AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:x:autoScalingGroupName/${ASG}`,
  ActivityId: "7c3e1f20-3333-4444-8555-b66677788899",
  Service: "AWS Auto Scaling",
  Time: "2024-05-01T10:00:00.000Z",
  EC2InstanceId: "i-0abcdef0123456789",
  StatusCode: "InProgress",
  Cause: "At 2024-05-01T10:00:00Z an instance was started.",
  AutoScalingGroupName: ASG,
  Event: event,
  ...over,
});

interface Row {
  name: string;
  body: unknown;
  outcome: "deleted" | "left";
  log: RegExp;
}

const ROWS: Row[] = [
  {
    name: "not JSON",
    body: "hello",
    outcome: "left",
    log: /left for the redrive policy: body is not JSON \("hello"\)/,
  },
  { name: "a JSON list", body: [1, 2, 3], outcome: "left", log: /body is JSON but not an object/ },
  {
    name: "an empty object",
    body: {},
    outcome: "left",
    log: /not a lifecycle hook message, an ASG notification or an EC2 event/,
  },
  {
    name: "an S3 event (foreign)",
    body: { Records: [{ eventSource: "aws:s3" }] },
    outcome: "left",
    log: /not a lifecycle hook message, an ASG notification or an EC2 event/,
  },
  {
    name: "test notification, direct",
    body: { Event: "autoscaling:TEST_NOTIFICATION", AutoScalingGroupName: ASG, Service: "AWS Auto Scaling" },
    outcome: "deleted",
    log: /Auto Scaling test notification \(direct\): deleted/,
  },
  {
    name: "test notification, SNS-wrapped",
    body: sns({ Event: "autoscaling:TEST_NOTIFICATION", AutoScalingGroupName: ASG }),
    outcome: "deleted",
    log: /Auto Scaling test notification \(sns\): deleted/,
  },
  {
    name: "test value in LifecycleTransition",
    body: hook({ LifecycleTransition: "autoscaling:TEST_NOTIFICATION" }),
    outcome: "deleted",
    log: /Auto Scaling test notification \(direct\): deleted/,
  },
  { name: "SNS Message not JSON", body: sns("plain text"), outcome: "left", log: /SNS Message is not JSON/ },
  {
    name: "SNS subscription confirmation",
    body: sns("You have chosen to subscribe", "SubscriptionConfirmation"),
    outcome: "left",
    log: /SNS "SubscriptionConfirmation" message, not a notification/,
  },
  {
    name: "hook without EC2InstanceId",
    body: hook({ EC2InstanceId: undefined }),
    outcome: "left",
    log: /left for the redrive policy: missing EC2InstanceId/,
  },
  {
    name: "shell in the instance id",
    body: hook({ EC2InstanceId: "i-123; rm -rf /" }),
    outcome: "left",
    log: /EC2InstanceId "i-123; rm -rf \/" is not an EC2 instance id/,
  },
  {
    name: "malformed token",
    body: hook({ LifecycleActionToken: "not-a-token" }),
    outcome: "left",
    log: /LifecycleActionToken "not-a-token" is not a lifecycle action token/,
  },
  {
    name: "unknown transition",
    body: hook({ LifecycleTransition: "autoscaling:EC2_INSTANCE_REBOOTING" }),
    outcome: "left",
    log: /unsupported LifecycleTransition "autoscaling:EC2_INSTANCE_REBOOTING"/,
  },
  {
    name: "template text in an event is data",
    body: notification("autoscaling:EC2_INSTANCE_LAUNCH", {
      ActivityId: "9e5a3142-5555-4666-8777-d88899900011",
      Cause: "{{ lookup('env', 'HOME') }} {{ 7 * 7 }}",
    }),
    outcome: "deleted",
    log: /running .*launched\.yml for i-0abcdef0123456789/,
  },
  {
    name: "template text in the ASG name of a hook (SNS)",
    body: sns(hook({ AutoScalingGroupName: "{{ 7 * 7 }}" })),
    outcome: "left",
    log: /left for the redrive policy: no such lifecycle action: AutoScalingGroup name not found - AutoScalingGroup '\{\{ 7 \* 7 \}\}' not found/,
  },
  {
    name: "foreign EventBridge event",
    body: eventBridge("aws.s3", "Object Created", { bucket: { name: "b" } }),
    outcome: "left",
    log: /unsupported EventBridge event "aws.s3\/Object Created"/,
  },
  {
    name: "interruption without detail",
    body: eventBridge("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    outcome: "left",
    log: /EventBridge event "EC2 Spot Instance Interruption Warning" without a detail object/,
  },
  {
    name: "interruption with an unknown action",
    body: eventBridge("aws.ec2", "EC2 Spot Instance Interruption Warning", {
      "instance-id": "i-0abcdef0123456789",
      "instance-action": "explode",
    }),
    outcome: "left",
    log: /detail.instance-action "explode" is not terminate, stop or hibernate/,
  },
  {
    name: "rebalance, no play mapped",
    body: eventBridge("aws.ec2", "EC2 Instance Rebalance Recommendation", {
      "instance-id": "i-0abcdef0123456789",
    }),
    outcome: "left",
    log: /left for the redrive policy: no play for rebalance events \(set watch.on_rebalance\)/,
  },
  {
    name: "launch error notification",
    body: sns(notification("autoscaling:EC2_INSTANCE_LAUNCH_ERROR")),
    outcome: "left",
    log: /unsupported Auto Scaling notification "autoscaling:EC2_INSTANCE_LAUNCH_ERROR"/,
  },
  {
    name: "terminate notification, no play mapped",
    body: sns(notification("autoscaling:EC2_INSTANCE_TERMINATE")),
    outcome: "left",
    log: /no play for terminated events \(set watch.on_terminated\)/,
  },
  {
    name: "stale hook (token of no active action)",
    body: hook(),
    outcome: "deleted",
    log: /no active lifecycle action for i-0abcdef0123456789 \(completed elsewhere or timed out\): not running the play/,
  },
  {
    name: "hook of an ASG that does not exist",
    body: hook({ AutoScalingGroupName: "no-such-asg" }),
    outcome: "left",
    log: /left for the redrive policy: no such lifecycle action: AutoScalingGroup name not found - AutoScalingGroup 'no-such-asg' not found/,
  },
  {
    name: "unsafe minion id (space in the ASG name)",
    body: notification("autoscaling:EC2_INSTANCE_LAUNCH", {
      AutoScalingGroupName: "kafka prod",
      ActivityId: "8d4f2031-4444-4555-8666-c77788899900",
    }),
    outcome: "deleted",
    log: /minion id "kafka prod-i-0abcdef0123456789" is not a safe Salt minion id/,
  },
  {
    name: "duplicate notification, first copy",
    body: notification("autoscaling:EC2_INSTANCE_LAUNCH"),
    outcome: "deleted",
    log: /running .*launched\.yml for i-0abcdef0123456789 \(minion kafka-asg-prod-i-0abcdef0123456789\)/,
  },
  {
    name: "duplicate notification, second copy",
    body: notification("autoscaling:EC2_INSTANCE_LAUNCH"),
    outcome: "deleted",
    log: /duplicate of notification:autoscaling:EC2_INSTANCE_LAUNCH:i-0abcdef0123456789:7c3e1f20-3333-4444-8555-b66677788899, already handled here: deleted/,
  },
];

let h: Harness;
let w: WatcherProcess;
const ids = new Map<string, string>();

beforeAll(async () => {
  h = await startHarness(watchFleet({ desired: 1, notifications: false, maxReceiveCount: 2 }), 50);
  const play = join(h.dir, "launched.yml");
  writeFileSync(
    play,
    [
      "- hosts: all",
      "  gather_facts: false",
      "  tasks:",
      '    - command: { argv: [salt, -t, "5", "{{ minion_id }}", test.ping, "{{ event.Cause }}"] }',
      "      delegate_to: localhost",
      "",
    ].join("\n"),
  );
  const config = h.writeConfig({
    on_launch: play,
    on_launched: play,
    on_interruption: play,
    concurrency: 10,
    visibility_timeout: 2,
    wait_time_seconds: 1,
    heartbeat_interval: 1,
  });
  // Queued before the watcher starts, in table order.
  for (const row of ROWS) {
    const body = typeof row.body === "string" ? row.body : JSON.stringify(row.body);
    const sent = await h.sqs.send(
      new SendMessageCommand({ QueueUrl: h.sim.queueUrl("events"), MessageBody: body }),
    );
    ids.set(row.name, sent.MessageId!);
  }
  w = h.startWatcher(config);
  await w.waitFor(/watching/);
  // Every left message has been received twice and moved to the dead-letter queue.
  const dlq = h.sim.world.sqs.queues.get("events-dlq")!;
  const left = ROWS.filter((r) => r.outcome === "left").map((r) => ids.get(r.name));
  await eventually(() => {
    const missing = ROWS.filter(
      (r) => r.outcome === "left" && !dlq.messages.some((m) => m.id === ids.get(r.name)),
    );
    const detail = missing.map(
      (r) =>
        `${r.name}:\n${w
          .lines()
          .filter((l) => l.includes(ids.get(r.name)!))
          .join("\n")}`,
    );
    expect(detail).toEqual([]);
    expect(dlq.messages.map((m) => m.id).sort()).toEqual([...left].sort());
  }, 30_000);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe("rollcall watch: malformed, foreign, duplicate and test messages", () => {
  it.each(ROWS)("$name → $outcome", (row) => {
    const id = ids.get(row.name)!;
    const lines = w.lines().filter((l) => l.startsWith(`watch: ${id} `));
    const matching = lines.filter((l) => row.log.test(l));
    // Logged once, though a left message was received twice.
    expect(matching, lines.join("\n")).toHaveLength(1);
    const events = h.sim.world.sqs.queues.get("events")!;
    const dlq = h.sim.world.sqs.queues.get("events-dlq")!;
    const deleted = events.history.some((e) => e.kind === "deleted" && e.messageId === id);
    expect(deleted).toBe(row.outcome === "deleted");
    expect(dlq.messages.some((m) => m.id === id)).toBe(row.outcome === "left");
  });

  it("ran plays only for the notifications; template text arrived as text; no Salt command for the unsafe minion id", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(15);
    const calls = h.saltCalls().filter((c) => !c.done);
    expect(calls.map((c) => c.argv)).toEqual(
      expect.arrayContaining([
        [
          "-t",
          "5",
          "kafka-asg-prod-i-0abcdef0123456789",
          "test.ping",
          "At 2024-05-01T10:00:00Z an instance was started.",
        ],
        [
          "-t",
          "5",
          "kafka-asg-prod-i-0abcdef0123456789",
          "test.ping",
          "{{ lookup('env', 'HOME') }} {{ 7 * 7 }}",
        ],
      ]),
    );
    expect(calls).toHaveLength(2);
    const unsafe = ids.get("unsafe minion id (space in the ASG name)")!;
    expect(
      w.lines().some((l) => l.startsWith(`watch: ${unsafe} play finished for i-0abcdef0123456789: exit 2`)),
    ).toBe(true);
    expect(w.stderr()).toBe("");
  });
});
