// The three envelopes (direct, SNS-wrapped, EventBridge) for each event kind, parsed into the
// same event; event keys that tell duplicates apart; the minion id rule.
import { describe, expect, it } from "vitest";
import { eventVars, renderMinionId } from "../../src/watch/event-vars.js";
import { parseMessage } from "../../src/watch/events.js";

const TOKEN = "0f1e2d3c-4b5a-4678-9abc-def012345678";
const lifecycle = {
  LifecycleHookName: "salt-terminate",
  AccountId: "123456789012",
  LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
  AutoScalingGroupName: "kafka-asg-prod",
  Service: "AWS Auto Scaling",
  Time: "2024-05-01T10:00:00.000Z",
  EC2InstanceId: "i-0abcdef0123456789",
  LifecycleActionToken: TOKEN,
  NotificationMetadata: '{"role":"kafka"}',
};

describe("parseMessage", () => {
  const expected = {
    kind: "terminate",
    instanceId: "i-0abcdef0123456789",
    asgName: "kafka-asg-prod",
    hook: { name: "salt-terminate", token: TOKEN, metadata: '{"role":"kafka"}' },
    key: `hook:kafka-asg-prod/salt-terminate/i-0abcdef0123456789/${TOKEN}`,
  };

  it("reads a lifecycle action in all three envelopes alike", () => {
    const direct = parseMessage(JSON.stringify(lifecycle));
    const sns = parseMessage(
      JSON.stringify({
        Type: "Notification",
        TopicArn: "arn:aws:sns:eu-west-1:123456789012:asg",
        Message: JSON.stringify(lifecycle),
      }),
    );
    const eventBridge = parseMessage(
      JSON.stringify({
        id: "e1",
        "detail-type": "EC2 Instance-terminate Lifecycle Action",
        source: "aws.autoscaling",
        region: "eu-west-1",
        detail: lifecycle,
      }),
    );
    expect(direct).toMatchObject({ type: "event", event: { ...expected, envelope: "direct" } });
    expect(sns).toMatchObject({
      type: "event",
      event: { ...expected, envelope: "sns", region: "eu-west-1" },
    });
    expect(eventBridge).toMatchObject({
      type: "event",
      event: { ...expected, envelope: "eventbridge", region: "eu-west-1" },
    });
  });

  it("reads spot interruptions, rebalance recommendations and plain notifications", () => {
    const interruption = parseMessage(
      JSON.stringify({
        id: "e2",
        "detail-type": "EC2 Spot Instance Interruption Warning",
        source: "aws.ec2",
        detail: { "instance-id": "i-0abcdef0123456789", "instance-action": "hibernate" },
      }),
    );
    expect(interruption).toMatchObject({
      type: "event",
      event: { kind: "interruption", action: "hibernate", asgName: undefined, key: "eventbridge:e2" },
    });
    const rebalance = parseMessage(
      JSON.stringify({
        id: "e3",
        "detail-type": "EC2 Instance Rebalance Recommendation",
        source: "aws.ec2",
        detail: { "instance-id": "i-0abcdef0123456789" },
      }),
    );
    expect(rebalance).toMatchObject({ type: "event", event: { kind: "rebalance" } });
    const terminated = parseMessage(
      JSON.stringify({
        Event: "autoscaling:EC2_INSTANCE_TERMINATE",
        EC2InstanceId: "i-0abcdef0123456789",
        AutoScalingGroupName: "kafka-asg-prod",
        ActivityId: "a1",
      }),
    );
    expect(terminated).toMatchObject({
      type: "event",
      event: {
        kind: "terminated",
        key: "notification:autoscaling:EC2_INSTANCE_TERMINATE:i-0abcdef0123456789:a1",
      },
    });
  });

  it("exposes the event's fields as vars, data only", () => {
    const parsed = parseMessage(JSON.stringify(lifecycle));
    if (parsed.type !== "event") throw new Error("expected an event");
    expect(eventVars(parsed.event, { messageId: "m-1", receiveCount: 2 }, "us-east-1")).toEqual({
      event_kind: "terminate",
      event_envelope: "direct",
      event_time: "2024-05-01T10:00:00.000Z",
      event: lifecycle,
      instance_id: "i-0abcdef0123456789",
      asg_name: "kafka-asg-prod",
      region: "us-east-1",
      message_id: "m-1",
      receive_count: 2,
      lifecycle_hook_name: "salt-terminate",
      lifecycle_transition: "autoscaling:EC2_INSTANCE_TERMINATING",
      lifecycle_action_token: TOKEN,
      lifecycle_notification_metadata: '{"role":"kafka"}',
      interruption_action: null,
    });
  });
});

describe("renderMinionId", () => {
  const vars = { asg_name: "kafka-asg-prod", instance_id: "i-0abc", ec2_tags: { Name: "kafka-1" } };
  it.each([
    ["{{ asg_name }}-{{ instance_id }}", { ok: true, id: "kafka-asg-prod-i-0abc" }],
    ["{{ ec2_tags.Name }}.prod.internal", { ok: true, id: "kafka-1.prod.internal" }],
    ["kafka-*", { ok: false }],
    ["-d {{ instance_id }}", { ok: false }],
    ["{{ asg_name }},other", { ok: false }],
    ["{{ no_such_var }}", { ok: false }],
  ])("%s", (template, want) => {
    expect(renderMinionId(template, vars, {})).toMatchObject(want);
  });
});
