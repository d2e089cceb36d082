// Where the fake's events land: lifecycle-hook messages go to the hook's target (an SQS queue
// directly, or an SNS topic that wraps them for its subscribed queues), plain ASG notifications go
// to their SNS topics, and EC2 events (spot interruption, rebalance) and the lifecycle actions of
// hooks without a target go to the EventBridge queue in EventBridge's envelope. Shapes follow
// AWS's documentation; the SNS subjects and notification descriptions are **unverified** wording.
import { randomUUID } from "node:crypto";
import type { SqsFleet } from "./sqs-fleet.js";
import { queueByArn, type SimQueue, type SqsWorld, sendMessage } from "./sqs-queues.js";

export interface Topic {
  name: string;
  region: string;
  arn: string;
  subscriptions: { queue: string; raw: boolean }[];
}

export interface EventRouting {
  topics: Map<string, Topic>;
  eventbridgeQueue?: string;
}

export function createRouting(spec: SqsFleet, sqs: SqsWorld): EventRouting {
  const topics = new Map<string, Topic>();
  for (const t of spec.topics) {
    const region = t.region ?? sqs.defaultRegion;
    for (const s of t.subscriptions) {
      if (!sqs.queues.has(s.queue)) throw new Error(`topic ${t.name}: no queue ${s.queue} to subscribe`);
    }
    const arn = `arn:aws:sns:${region}:${sqs.accountId}:${t.name}`;
    topics.set(arn, { name: t.name, region, arn, subscriptions: t.subscriptions });
  }
  if (spec.eventbridge_queue && !sqs.queues.has(spec.eventbridge_queue))
    throw new Error(`eventbridge_queue: no queue ${spec.eventbridge_queue}`);
  return { topics, eventbridgeQueue: spec.eventbridge_queue };
}

/** The SNS envelope an SQS subscriber without raw delivery receives. */
export function snsEnvelope(sqs: SqsWorld, topic: Topic, subject: string, message: string): string {
  const id = randomUUID();
  return JSON.stringify({
    Type: "Notification",
    MessageId: id,
    TopicArn: topic.arn,
    Subject: subject,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    // Not a real signature: nothing in rollcall verifies SNS signatures on SQS deliveries.
    Signature: Buffer.from(`simulated-signature-${id}`).toString("base64"),
    SigningCertURL: `${sqs.baseUrl}/sns/SimpleNotificationService-simulated.pem`,
    UnsubscribeURL: `${sqs.baseUrl}/sns/?Action=Unsubscribe&SubscriptionArn=${topic.arn}:${id}`,
  });
}

/**
 * Publish `message` (an object) to an SQS queue or SNS topic ARN. Returns the queues that got
 * it; an unknown target delivers nowhere (a hook may name a queue the fleet does not model).
 */
export function publish(
  sqs: SqsWorld,
  routing: EventRouting,
  targetArn: string | undefined,
  subject: string,
  message: object,
): SimQueue[] {
  if (!targetArn) return [];
  const body = JSON.stringify(message);
  const direct = queueByArn(sqs, targetArn);
  if (direct) {
    sendMessage(direct, body);
    return [direct];
  }
  const topic = routing.topics.get(targetArn);
  if (!topic) return [];
  const out: SimQueue[] = [];
  for (const s of topic.subscriptions) {
    const q = sqs.queues.get(s.queue)!;
    sendMessage(q, s.raw ? body : snsEnvelope(sqs, topic, subject, body));
    out.push(q);
  }
  return out;
}

/** An EventBridge event delivered by a rule to the EventBridge queue. */
export function publishEvent(
  sqs: SqsWorld,
  routing: EventRouting,
  event: { source: string; detailType: string; region: string; resources: string[]; detail: object },
): SimQueue | undefined {
  const q = routing.eventbridgeQueue ? sqs.queues.get(routing.eventbridgeQueue) : undefined;
  if (!q) return undefined;
  sendMessage(
    q,
    JSON.stringify({
      version: "0",
      id: randomUUID(),
      "detail-type": event.detailType,
      source: event.source,
      account: sqs.accountId,
      time: new Date().toISOString(),
      region: event.region,
      resources: event.resources,
      detail: event.detail,
    }),
  );
  return q;
}
