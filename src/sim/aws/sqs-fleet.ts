// The fleet file's SQS/SNS/EventBridge wiring (`aws.sqs`) and an ASG's plain notification
// configuration (`notifications`): where lifecycle-hook messages, ASG notifications and EC2
// events end up. Times are real seconds (see sqs-queues.ts for why SQS does not scale).
import { z } from "zod";

const queueName = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "expected 1-80 letters, digits, - or _");

const queueSchema = z.strictObject({
  name: queueName,
  /** Default: the fleet's first region. */
  region: z.string().min(1).optional(),
  /** Real seconds a received message stays hidden (SQS default 30). */
  visibility_timeout: z.int().min(0).max(43200).default(30),
  /** Queue-level long-poll default (ReceiveMessageWaitTimeSeconds). */
  receive_wait_time: z.int().min(0).max(20).default(0),
  /** Redrive policy: after `max_receive_count` receives a message moves to this queue. */
  dead_letter_queue: queueName.optional(),
  max_receive_count: z.int().min(1).max(1000).default(5),
});

const topicSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "expected letters, digits, - or _"),
  region: z.string().min(1).optional(),
  /** SQS subscriptions; `raw: true` is RawMessageDelivery (no SNS envelope). */
  subscriptions: z.array(z.strictObject({ queue: queueName, raw: z.boolean().default(false) })).default([]),
});

export const sqsFleetSchema = z
  .strictObject({
    queues: z.array(queueSchema).default([]),
    topics: z.array(topicSchema).default([]),
    /**
     * The queue an EventBridge rule delivers to: spot interruption warnings and rebalance
     * recommendations, and lifecycle actions of hooks that have no notification target.
     */
    eventbridge_queue: queueName.optional(),
  })
  .default({ queues: [], topics: [] });

export const NOTIFICATION_TYPES = [
  "autoscaling:EC2_INSTANCE_LAUNCH",
  "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
  "autoscaling:EC2_INSTANCE_TERMINATE",
  "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** PutNotificationConfiguration: an SNS topic and the events sent to it. */
export const notificationConfigSchema = z
  .array(
    z.strictObject({
      topic_arn: z
        .string()
        .regex(/^arn:aws:sns:[^:]+:\d{12}:.+$/, "expected arn:aws:sns:<region>:<account>:<topic>"),
      types: z.array(z.enum(NOTIFICATION_TYPES)).min(1),
    }),
  )
  .default([]);

export type SqsFleet = z.output<typeof sqsFleetSchema>;
export type SqsQueueSpec = SqsFleet["queues"][number];
export type NotificationConfig = z.output<typeof notificationConfigSchema>[number];
