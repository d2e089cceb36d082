// The SQS fake's queues: messages, visibility timeouts, long polls, redrive to a dead-letter
// queue. SQS runs on real time, not the simulator's scaled clock: a consumer's own timers
// (visibility extension, long-poll wait) are real, and a queue running faster than its
// consumers would hand a message to a second consumer while the first is still working on it.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { SqsFleet } from "./sqs-fleet.js";

export interface SimSqsMessage {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Epoch ms from which the message can be received (delay, or visibility timeout). */
  visibleAt: number;
  /** The receipt handle of the latest receive; only it may delete the message. */
  receipt?: string;
}

export interface QueueHistoryEntry {
  at: number;
  kind: "sent" | "received" | "deleted" | "visibility" | "redriven" | "purged";
  messageId: string;
  receiveCount?: number;
  /** ChangeMessageVisibility: the new timeout in seconds. */
  seconds?: number;
}

export interface SimQueue {
  name: string;
  region: string;
  arn: string;
  url: string;
  visibilityTimeout: number;
  receiveWaitTime: number;
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
  createdAt: number;
  messages: SimSqsMessage[];
  /** Long polls waiting for a message; called on send and on visibility changes. */
  waiters: Set<() => void>;
  /** What happened to which message, in order (tests assert on it). */
  history: QueueHistoryEntry[];
}

export interface SqsWorld {
  accountId: string;
  defaultRegion: string;
  /** http://host:port, set once the server listens; queue URLs are `${baseUrl}/${account}/${name}`. */
  baseUrl: string;
  queues: Map<string, SimQueue>;
  timers: Set<NodeJS.Timeout>;
  /** Set on close: long polls answer at once with nothing. */
  closed: boolean;
}

export class SqsFault extends Error {
  constructor(
    readonly status: number,
    /** The modeled error shape (`__type`), e.g. QueueDoesNotExist. */
    readonly shape: string,
    /** The query-compatible code (`x-amzn-query-error`), e.g. AWS.SimpleQueueService.NonExistentQueue. */
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

export function invalidParameter(message: string): SqsFault {
  return new SqsFault(400, "InvalidParameterValue", "InvalidParameterValue", message);
}

const MAX_HISTORY = 20_000;

export function createSqsWorld(spec: SqsFleet, accountId: string, defaultRegion: string): SqsWorld {
  const world: SqsWorld = {
    accountId,
    defaultRegion,
    baseUrl: "",
    queues: new Map(),
    timers: new Set(),
    closed: false,
  };
  for (const q of spec.queues) {
    createQueue(world, q.name, q.region ?? defaultRegion, {
      visibilityTimeout: q.visibility_timeout,
      receiveWaitTime: q.receive_wait_time,
      redrive: q.dead_letter_queue
        ? { deadLetterQueue: q.dead_letter_queue, maxReceiveCount: q.max_receive_count }
        : undefined,
    });
  }
  for (const q of world.queues.values()) {
    if (q.redrive && !world.queues.has(q.redrive.deadLetterQueue))
      throw new Error(`queue ${q.name}: no dead-letter queue ${q.redrive.deadLetterQueue}`);
  }
  return world;
}

export function createQueue(
  world: SqsWorld,
  name: string,
  region: string,
  options: Partial<Pick<SimQueue, "visibilityTimeout" | "receiveWaitTime" | "redrive">> = {},
): SimQueue {
  const existing = world.queues.get(name);
  if (existing) return existing;
  const queue: SimQueue = {
    name,
    region,
    arn: `arn:aws:sqs:${region}:${world.accountId}:${name}`,
    url: "",
    visibilityTimeout: options.visibilityTimeout ?? 30,
    receiveWaitTime: options.receiveWaitTime ?? 0,
    redrive: options.redrive,
    createdAt: Date.now(),
    messages: [],
    waiters: new Set(),
    history: [],
  };
  Object.defineProperty(queue, "url", { get: () => queueUrl(world, name), enumerable: true });
  world.queues.set(name, queue);
  return queue;
}

export function queueUrl(world: SqsWorld, name: string): string {
  return `${world.baseUrl}/${world.accountId}/${name}`;
}

/** The queue an ARN names (arn:aws:sqs:region:account:name), if it exists. */
export function queueByArn(world: SqsWorld, arn: string): SimQueue | undefined {
  const m = /^arn:aws:sqs:([^:]+):(\d{12}):(.+)$/.exec(arn);
  if (!m || m[2] !== world.accountId) return undefined;
  const q = world.queues.get(m[3]!);
  return q?.region === m[1] ? q : undefined;
}

/** The queue a QueueUrl names, in the caller's region; QueueDoesNotExist otherwise. */
export function queueByUrl(world: SqsWorld, url: unknown, region: string): SimQueue {
  let path = "";
  try {
    path = new URL(String(url)).pathname;
  } catch {
    throw new SqsFault(
      404,
      "InvalidAddress",
      "InvalidAddress",
      `The address ${String(url)} is not valid for this endpoint.`,
    );
  }
  const [, account, name] = path.split("/");
  const q = account === world.accountId && name ? world.queues.get(name) : undefined;
  if (!q || q.region !== region) {
    throw new SqsFault(
      400,
      "QueueDoesNotExist",
      "AWS.SimpleQueueService.NonExistentQueue",
      "The specified queue does not exist.",
    );
  }
  return q;
}

export function record(q: SimQueue, entry: Omit<QueueHistoryEntry, "at">): void {
  if (q.history.length >= MAX_HISTORY) q.history.shift();
  q.history.push({ at: Date.now(), ...entry });
}

export function wake(q: SimQueue): void {
  for (const w of [...q.waiters]) w();
}

export function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

export function sendMessage(q: SimQueue, body: string, delaySeconds = 0): SimSqsMessage {
  const now = Date.now();
  const m: SimSqsMessage = {
    id: randomUUID(),
    body,
    md5: md5Hex(body),
    sentAt: now,
    receiveCount: 0,
    visibleAt: now + delaySeconds * 1000,
  };
  q.messages.push(m);
  record(q, { kind: "sent", messageId: m.id });
  wake(q);
  return m;
}

/** Receipt handles are opaque to clients; ours carry the queue and message so a bad one is told apart. */
export function newReceipt(q: SimQueue, m: SimSqsMessage): string {
  return Buffer.from(`${q.name}\n${m.id}\n${randomBytes(12).toString("hex")}`).toString("base64url");
}

function decodeReceipt(q: SimQueue, handle: unknown): { messageId: string } {
  const text = typeof handle === "string" ? Buffer.from(handle, "base64url").toString("utf8") : "";
  const [queue, messageId, nonce] = text.split("\n");
  if (queue !== q.name || !messageId || !nonce) {
    throw new SqsFault(
      404,
      "ReceiptHandleIsInvalid",
      "ReceiptHandleIsInvalid",
      `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
    );
  }
  return { messageId };
}

export function deleteMessage(q: SimQueue, handle: unknown): void {
  const { messageId } = decodeReceipt(q, handle);
  const m = q.messages.find((x) => x.id === messageId);
  // A stale handle (the message was received again since) "succeeds" without deleting, as SQS does.
  if (!m || m.receipt !== handle) return;
  q.messages = q.messages.filter((x) => x !== m);
  record(q, { kind: "deleted", messageId, receiveCount: m.receiveCount });
}

export function changeVisibility(q: SimQueue, handle: unknown, seconds: number): void {
  const { messageId } = decodeReceipt(q, handle);
  const m = q.messages.find((x) => x.id === messageId);
  if (!m || m.receipt !== handle) {
    throw invalidParameter(
      `Value ${String(handle)} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    );
  }
  const now = Date.now();
  if (m.visibleAt <= now) {
    throw new SqsFault(
      400,
      "MessageNotInflight",
      "AWS.SimpleQueueService.MessageNotInflight",
      "Message is not in flight.",
    );
  }
  m.visibleAt = now + seconds * 1000;
  record(q, { kind: "visibility", messageId, seconds });
  if (seconds === 0) wake(q);
}

export function purgeQueue(q: SimQueue): void {
  for (const m of q.messages) record(q, { kind: "purged", messageId: m.id });
  q.messages = [];
}

export function queueAttributes(q: SimQueue): Record<string, string> {
  const now = Date.now();
  const attrs: Record<string, string> = {
    QueueArn: q.arn,
    ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
    ApproximateNumberOfMessagesNotVisible: String(
      q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length,
    ),
    ApproximateNumberOfMessagesDelayed: String(
      q.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length,
    ),
    VisibilityTimeout: String(q.visibilityTimeout),
    ReceiveMessageWaitTimeSeconds: String(q.receiveWaitTime),
    DelaySeconds: "0",
    MessageRetentionPeriod: "345600",
    MaximumMessageSize: "262144",
    CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(q.createdAt / 1000)),
  };
  if (q.redrive) {
    attrs.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:${q.region}:${q.arn.split(":")[4]}:${q.redrive.deadLetterQueue}`,
      maxReceiveCount: q.redrive.maxReceiveCount,
    });
  }
  return attrs;
}

export function closeSqsWorld(world: SqsWorld): void {
  world.closed = true;
  for (const t of world.timers) clearTimeout(t);
  world.timers.clear();
  for (const q of world.queues.values()) for (const w of [...q.waiters]) w();
}
