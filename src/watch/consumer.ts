// The receive loop. `concurrency` slots: it asks SQS for as many messages as there are free
// slots (at most 10), starts each at once, and polls again as soon as any slot frees, so a long
// launch play never holds back a spot interruption that has two minutes to act. Stopping aborts
// the long poll at once (nothing more is received) and lets the plays in flight finish.
import type { SqsApi, SqsMessage } from "../cloud/aws/sqs.js";
import { RemoteError, RollcallError } from "../errors.js";
import type { WatchLog } from "./log.js";

export interface ConsumerOptions {
  sqs: SqsApi;
  queueUrl: string;
  concurrency: number;
  waitSeconds: number;
  visibilityTimeout: number;
  handle(message: SqsMessage): Promise<unknown>;
  log: WatchLog;
}

export interface Consumer {
  /** Settles when the loop has stopped and every started message is finished. */
  done: Promise<void>;
  /** Stop receiving; messages in flight go on. */
  stop(): void;
  /** How many messages are being handled. */
  inFlight(): number;
}

/** Receive errors that retrying cannot fix: the watcher stops (after its plays finish). */
const FATAL_CODES = new Set([
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "AccessDenied",
  "AccessDeniedException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAddress",
  "InvalidSecurity",
]);

export function startConsumer(o: ConsumerOptions): Consumer {
  const stopping = new AbortController();
  const inflight = new Set<Promise<void>>();
  const start = (m: SqsMessage) => {
    const p: Promise<void> = o
      .handle(m)
      .then(() => undefined)
      .catch((err: unknown) => {
        o.log.line({
          what: "error",
          level: "error",
          messageId: m.id,
          text: `internal error: ${(err as Error)?.message ?? err}`,
        });
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  const stopped = aborted(stopping.signal);
  const loop = async () => {
    let backoff = 0;
    while (!stopping.signal.aborted) {
      if (inflight.size >= o.concurrency) {
        await Promise.race([...inflight, stopped]);
        continue;
      }
      let messages: SqsMessage[];
      try {
        messages = await o.sqs.receive({
          queueUrl: o.queueUrl,
          max: Math.min(10, o.concurrency - inflight.size),
          waitSeconds: o.waitSeconds,
          visibilityTimeout: o.visibilityTimeout,
          signal: stopping.signal,
        });
        backoff = 0;
      } catch (err) {
        // Setup problems (no credentials…) and refusals that retrying cannot fix stop the watcher.
        if (err instanceof RemoteError ? FATAL_CODES.has(err.data.code ?? "") : err instanceof RollcallError)
          throw err;
        backoff = Math.min(30_000, backoff === 0 ? 1000 : backoff * 2);
        o.log.line({
          what: "error",
          level: "error",
          text: `ReceiveMessage failed: ${(err as Error).message}; retrying in ${backoff / 1000} s`,
        });
        await sleep(backoff, stopping.signal);
        continue;
      }
      for (const m of messages) start(m);
    }
  };

  const done = (async () => {
    let failure: unknown;
    try {
      await loop();
    } catch (err) {
      failure = err;
      stopping.abort();
    }
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
    if (failure) throw failure;
  })();

  return {
    done,
    stop: () => stopping.abort(),
    inFlight: () => inflight.size,
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Run tasks of one key one after another, different keys at once. */
export function createKeyedSerializer() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
}
