// SQS actions in the JSON protocol the SDK v3 client speaks (AWS JSON 1.0, `X-Amz-Target:
// AmazonSQS.<Action>`): the subset a queue consumer and a test producer need. Input and output
// member names follow the SDK's schema (node_modules/@aws-sdk/client-sqs/dist-cjs).
import {
  changeVisibility,
  createQueue,
  deleteMessage,
  invalidParameter,
  purgeQueue,
  queueAttributes,
  queueByUrl,
  SqsFault,
  type SqsWorld,
  sendMessage,
} from "./sqs-queues.js";
import { receive } from "./sqs-receive.js";

export type SqsInput = Record<string, unknown>;

export interface SqsCall {
  region: string;
  input: SqsInput;
  /** Aborted when the client goes away (ends a long poll without taking messages). */
  signal: AbortSignal;
}

type SqsHandler = (world: SqsWorld, call: SqsCall) => object | Promise<object>;

export const sqsHandlers: Record<string, SqsHandler> = {
  CreateQueue: (world, { region, input }) => {
    const name = requireString(input, "QueueName");
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw invalidParameter(
        `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length`,
      );
    const attrs = (input.Attributes ?? {}) as Record<string, string>;
    const q = createQueue(world, name, region, {
      visibilityTimeout: attrs.VisibilityTimeout ? Number(attrs.VisibilityTimeout) : undefined,
      receiveWaitTime: attrs.ReceiveMessageWaitTimeSeconds
        ? Number(attrs.ReceiveMessageWaitTimeSeconds)
        : undefined,
    });
    return { QueueUrl: q.url };
  },
  GetQueueUrl: (world, { region, input }) => {
    const name = requireString(input, "QueueName");
    const q = world.queues.get(name);
    if (!q || q.region !== region)
      throw new SqsFault(
        400,
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.",
      );
    return { QueueUrl: q.url };
  },
  ListQueues: (world, { region, input }) => {
    const prefix = typeof input.QueueNamePrefix === "string" ? input.QueueNamePrefix : "";
    const urls = [...world.queues.values()]
      .filter((q) => q.region === region && q.name.startsWith(prefix))
      .map((q) => q.url)
      .sort();
    return urls.length > 0 ? { QueueUrls: urls } : {};
  },
  GetQueueAttributes: (world, { region, input }) => {
    const q = queueByUrl(world, input.QueueUrl, region);
    const wanted = Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : [];
    const all = queueAttributes(q);
    const pick = wanted.includes("All")
      ? all
      : Object.fromEntries(wanted.filter((k) => k in all).map((k) => [k, all[k]!]));
    return Object.keys(pick).length > 0 ? { Attributes: pick } : {};
  },
  SendMessage: (world, { region, input }) => {
    const q = queueByUrl(world, input.QueueUrl, region);
    const body = requireString(input, "MessageBody");
    if (Buffer.byteLength(body) > 262_144)
      throw invalidParameter(
        "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.",
      );
    const delay = intIn(input, "DelaySeconds", 0, 900) ?? 0;
    const m = sendMessage(q, body, delay);
    return { MessageId: m.id, MD5OfMessageBody: m.md5 };
  },
  ReceiveMessage: async (world, { region, input, signal }) => {
    const q = queueByUrl(world, input.QueueUrl, region);
    const max = intIn(input, "MaxNumberOfMessages", 1, 10) ?? 1;
    const waitSec = intIn(input, "WaitTimeSeconds", 0, 20) ?? q.receiveWaitTime;
    const visibilitySec = intIn(input, "VisibilityTimeout", 0, 43200) ?? q.visibilityTimeout;
    const names = new Set([
      ...(Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : []),
      ...(Array.isArray(input.MessageSystemAttributeNames)
        ? (input.MessageSystemAttributeNames as string[])
        : []),
    ]);
    const got = await receive(world, q, { max, waitSec, visibilitySec, signal });
    if (got.length === 0) return {};
    return {
      Messages: got.map(({ message: m, receipt }) => {
        const attrs: Record<string, string> = {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
          SenderId: "AIDASIMULATOR000000001",
        };
        const shown = names.has("All")
          ? attrs
          : Object.fromEntries(Object.entries(attrs).filter(([k]) => names.has(k)));
        return {
          MessageId: m.id,
          ReceiptHandle: receipt,
          MD5OfBody: m.md5,
          Body: m.body,
          ...(Object.keys(shown).length > 0 ? { Attributes: shown } : {}),
        };
      }),
    };
  },
  DeleteMessage: (world, { region, input }) => {
    deleteMessage(queueByUrl(world, input.QueueUrl, region), input.ReceiptHandle);
    return {};
  },
  ChangeMessageVisibility: (world, { region, input }) => {
    const q = queueByUrl(world, input.QueueUrl, region);
    const seconds = intIn(input, "VisibilityTimeout", 0, 43200);
    if (seconds === undefined) throw missing("VisibilityTimeout");
    changeVisibility(q, input.ReceiptHandle, seconds);
    return {};
  },
  PurgeQueue: (world, { region, input }) => {
    purgeQueue(queueByUrl(world, input.QueueUrl, region));
    return {};
  },
};

/** Mutating actions (counted in shared.mutatingCalls.sqs). */
export const sqsMutatingActions = new Set([
  "CreateQueue",
  "SendMessage",
  "DeleteMessage",
  "ChangeMessageVisibility",
  "PurgeQueue",
]);

function missing(name: string): SqsFault {
  return new SqsFault(
    400,
    "MissingParameter",
    "MissingParameter",
    `The request must contain the parameter ${name}.`,
  );
}

function requireString(input: SqsInput, name: string): string {
  const v = input[name];
  if (typeof v !== "string" || v === "") throw missing(name);
  return v;
}

function intIn(input: SqsInput, name: string, min: number, max: number): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidParameter(
      `Value ${String(v)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return n;
}
