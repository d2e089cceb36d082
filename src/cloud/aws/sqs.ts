// The SQS seam: receive (long poll), delete, extend visibility, and look a queue up by name.
// The SDK is imported lazily; every SDK error leaves as a RemoteError (service "sqs"), secrets
// redacted. An aborted receive (the watcher stopping) resolves to no messages, never an error.
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsStaticCredentials } from "./api.js";
import { wrapAwsError } from "./errors.js";

export interface SqsSettings {
  region: string;
  /** AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL, or the config's endpoint_url. */
  endpoint?: string;
  profile?: string;
  credentials?: AwsStaticCredentials;
  maxAttempts?: number;
  /** Per-request timeout for everything but the long poll (which adds its wait time). */
  timeoutMs?: number;
}

export interface SqsMessage {
  id: string;
  receiptHandle: string;
  body: string;
  /** ApproximateReceiveCount: 1 the first time, more after redeliveries. */
  receiveCount: number;
  /** SentTimestamp, epoch ms. */
  sentAt?: number;
}

export interface SqsApi {
  readonly region: string;
  /** Long poll; [] when the wait ends empty or `signal` aborts. */
  receive(input: {
    queueUrl: string;
    max: number;
    waitSeconds: number;
    visibilityTimeout: number;
    signal?: AbortSignal;
  }): Promise<SqsMessage[]>;
  deleteMessage(queueUrl: string, receiptHandle: string): Promise<void>;
  changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void>;
  getQueueUrl(name: string): Promise<string>;
  destroy(): void;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export async function createSqsApi(settings: SqsSettings): Promise<SqsApi> {
  const sdk = await import("@aws-sdk/client-sqs");
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const client: SQSClient = new sdk.SQSClient({
    region: settings.region,
    endpoint: settings.endpoint,
    profile: settings.profile,
    credentials: settings.credentials,
    maxAttempts: settings.maxAttempts ?? 5,
    // The queue-URL middleware warns through the logger when a URL's host differs from the
    // endpoint; a watcher must not print SDK chatter.
    logger: quietLogger,
    // Long polls hold a request up to 20 s, so the per-request timeout must exceed it.
    requestHandler: { requestTimeout: timeoutMs + 20_000, connectionTimeout: Math.min(timeoutMs, 10_000) },
  });
  const secrets = [settings.credentials?.secretAccessKey, settings.credentials?.sessionToken];
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw wrapAwsError(err, { service: "sqs", operation, region: settings.region }, secrets);
    }
  };

  return {
    region: settings.region,

    async receive(input) {
      if (input.signal?.aborted) return [];
      try {
        return await receiveMessages(client, sdk, input);
      } catch (err) {
        if (input.signal?.aborted) return [];
        throw wrapAwsError(
          err,
          { service: "sqs", operation: "ReceiveMessage", region: settings.region },
          secrets,
        );
      }
    },

    async deleteMessage(queueUrl, receiptHandle) {
      await call("DeleteMessage", () =>
        client.send(new sdk.DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle })),
      );
    },

    async changeVisibility(queueUrl, receiptHandle, seconds) {
      await call("ChangeMessageVisibility", () =>
        client.send(
          new sdk.ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        ),
      );
    },

    async getQueueUrl(name) {
      const out = await call("GetQueueUrl", () =>
        client.send(new sdk.GetQueueUrlCommand({ QueueName: name })),
      );
      if (!out.QueueUrl)
        throw wrapAwsError(new Error("no QueueUrl in the answer"), {
          service: "sqs",
          operation: "GetQueueUrl",
        });
      return out.QueueUrl;
    },

    destroy() {
      client.destroy();
    },
  };
}

type ReceiveInput = Parameters<SqsApi["receive"]>[0];

async function receiveMessages(
  client: SQSClient,
  sdk: typeof import("@aws-sdk/client-sqs"),
  { queueUrl, max, waitSeconds, visibilityTimeout, signal }: ReceiveInput,
): Promise<SqsMessage[]> {
  const out = await client.send(
    new sdk.ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: visibilityTimeout,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
    }),
    { abortSignal: signal },
  );
  return (out.Messages ?? []).flatMap((m) =>
    m.MessageId && m.ReceiptHandle
      ? [
          {
            id: m.MessageId,
            receiptHandle: m.ReceiptHandle,
            body: m.Body ?? "",
            receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
            sentAt: m.Attributes?.SentTimestamp ? Number(m.Attributes.SentTimestamp) : undefined,
          },
        ]
      : [],
  );
}
