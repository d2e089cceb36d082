// What handling one message needs (the watcher's shared pieces) and the steps every kind of
// message shares: logging under its id, leaving it for the redrive policy, keeping it hidden,
// deleting it.
import type { AwsApi } from "../cloud/aws/api.js";
import type { SqsApi, SqsMessage } from "../cloud/aws/sqs.js";
import type { WatchConfig } from "../config/watch-config.js";
import type { Vars } from "../inventory/model.js";
import type { EventKind } from "./events.js";
import { type createHeartbeatIntervals, type Repeater, repeat } from "./lifecycle.js";
import type { WatchLog, WatchLogLine, WatchOutput } from "./log.js";
export interface MappedPlay {
  /** As the config names it (for log lines). */
  file: string;
  /** Absolute path. */
  path: string;
  vars: Vars;
}

export interface HandlerDeps {
  config: WatchConfig;
  queueUrl: string;
  region: string;
  sqs: SqsApi;
  awsApi(region: string): Promise<AwsApi>;
  plays: Partial<Record<EventKind, MappedPlay>>;
  log: WatchLog;
  output: WatchOutput;
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  /** Where plays keep their run journals, and the inventory cache a recycle invalidates. */
  stateDir: string;
  cacheDir: string;
  heartbeatInterval: ReturnType<typeof createHeartbeatIntervals>;
  /** Keys of events this watcher finished (duplicate deliveries are deleted without a play). */
  done: BoundedSet;
  /** Message ids already reported as unhandleable (each is logged once at warning level). */
  reported: BoundedSet;
  /** Run `fn` after earlier events of the same instance (launch before terminate). */
  serialize<T>(instanceId: string, fn: () => Promise<T>): Promise<T>;
  /** Aborted when the grace period after SIGTERM runs out: plays stop, messages are left. */
  playSignal: AbortSignal;
}

export type HandleOutcome = "deleted" | "left";

export type Log = (
  what: WatchLogLine["what"],
  text: string,
  level?: WatchLogLine["level"],
  data?: Record<string, unknown>,
) => void;

/** One message being handled. */
export interface Job {
  deps: HandlerDeps;
  msg: SqsMessage;
  log: Log;
}

export function createJob(deps: HandlerDeps, msg: SqsMessage): Job {
  return {
    deps,
    msg,
    log: (what, text, level = "info", data) => deps.log.line({ what, level, messageId: msg.id, text, data }),
  };
}

/** A message that keeps coming back is reported once; the redrive policy decides its fate. */
export function leaveForRedrive(job: Job, what: "invalid" | "no-play", reason: string): HandleOutcome {
  const first = !job.deps.reported.has(job.msg.id);
  job.deps.reported.add(job.msg.id);
  job.log(what, `left for the redrive policy: ${reason}`, first ? "warn" : "debug", {
    reason,
    receive_count: job.msg.receiveCount,
  });
  return "left";
}

export async function deleteMessage(job: Job): Promise<boolean> {
  try {
    await job.deps.sqs.deleteMessage(job.deps.queueUrl, job.msg.receiptHandle);
    return true;
  } catch (err) {
    job.log("error", `DeleteMessage failed: ${(err as Error).message}; it will reappear`, "error");
    return false;
  }
}

/** ChangeMessageVisibility every half visibility timeout, until stopped. */
export function extendVisibility(job: Job): Repeater {
  const seconds = job.deps.config.visibility_timeout;
  return repeat(
    (seconds * 1000) / 2,
    () => job.deps.sqs.changeVisibility(job.deps.queueUrl, job.msg.receiptHandle, seconds),
    (err) => {
      job.log("warning", `ChangeMessageVisibility failed: ${(err as Error).message}`, "warn");
      return "continue";
    },
  );
}

/** A set that forgets its oldest entries past `max` (duplicates come close together). */
export class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max = 10_000) {}
  has(key: string): boolean {
    return this.items.has(key);
  }
  add(key: string): void {
    this.items.delete(key);
    this.items.add(key);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value as string);
  }
}
