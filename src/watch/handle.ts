// One SQS message, start to finish: parse; drop test notifications; leave what cannot be handled
// for the queue's redrive policy; check the lifecycle action is still open (one heartbeat) so a
// duplicate delivery does not run its play again; build the one-host inventory; run the play
// while heartbeating the action and extending the message's visibility; complete the action;
// and only then delete the message. Any failure before completion leaves the message to reappear.
import type { AwsApi, LifecycleActionRef } from "../cloud/aws/api.js";
import type { SqsApi, SqsMessage } from "../cloud/aws/sqs.js";
import type { WatchConfig } from "../config/watch-config.js";
import { RemoteError } from "../errors.js";
import type { Vars } from "../inventory/model.js";
import { EventProblem } from "./event-checks.js";
import { eventVars, renderMinionId } from "./event-vars.js";
import { type EventKind, parseMessage, type WatchEvent } from "./events.js";
import { describeInstance, ec2Vars, oneHostInventory } from "./host.js";
import {
  completeAction,
  type createHeartbeatIntervals,
  isNoActiveAction,
  type Repeater,
  repeat,
} from "./lifecycle.js";
import type { WatchLog, WatchLogLine, WatchOutput } from "./log.js";
import { type LoadedPlaybook, runWatchPlay } from "./run-play.js";

export interface MappedPlay {
  file: string;
  playbook: LoadedPlaybook;
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

const EVENT_KEY: Record<EventKind, keyof WatchConfig> = {
  launch: "on_launch",
  terminate: "on_terminate",
  launched: "on_launched",
  terminated: "on_terminated",
  interruption: "on_interruption",
  rebalance: "on_rebalance",
};

export async function handleMessage(deps: HandlerDeps, msg: SqsMessage): Promise<HandleOutcome> {
  const log = (
    what: WatchLogLine["what"],
    text: string,
    level: WatchLogLine["level"] = "info",
    data?: Record<string, unknown>,
  ) => deps.log.line({ what, level, messageId: msg.id, text, data });
  const leave = (what: "invalid" | "no-play", reason: string) =>
    leaveForRedrive(deps, msg, log, what, reason);
  const parsed = parseMessage(msg.body);
  if (parsed.type === "invalid") return leave("invalid", parsed.reason);
  if (parsed.type === "test") {
    await deps.sqs.deleteMessage(deps.queueUrl, msg.receiptHandle).catch((err) => {
      log("error", `DeleteMessage failed: ${(err as Error).message}`, "error");
    });
    log("test", `Auto Scaling test notification (${parsed.envelope}): deleted`);
    return "deleted";
  }
  const event = parsed.event;
  const play = deps.plays[event.kind];
  if (!play) return leave("no-play", `no play for ${event.kind} events (set watch.${EVENT_KEY[event.kind]})`);
  const visibility = extendVisibility(deps, msg, log);
  try {
    // Events of one instance run in order; a copy of one that finished meanwhile is dropped.
    return await deps.serialize(event.instanceId, async () => {
      if (!deps.done.has(event.key)) return handleEvent(deps, msg, event, play, log, visibility);
      visibility.stop();
      if (!(await deleteMessage(deps, msg, log))) return "left";
      log("duplicate", `duplicate of ${event.key}, already handled here: deleted`);
      return "deleted";
    });
  } finally {
    visibility.stop();
  }
}

/** A message that keeps coming back is reported once; the redrive policy decides its fate. */
function leaveForRedrive(
  deps: HandlerDeps,
  msg: SqsMessage,
  log: Log,
  what: "invalid" | "no-play",
  reason: string,
): HandleOutcome {
  const first = !deps.reported.has(msg.id);
  deps.reported.add(msg.id);
  log(what, `left for the redrive policy: ${reason}`, first ? "warn" : "debug", {
    reason,
    receive_count: msg.receiveCount,
  });
  return "left";
}

type Log = (
  what: WatchLogLine["what"],
  text: string,
  level?: WatchLogLine["level"],
  data?: Record<string, unknown>,
) => void;

async function handleEvent(
  deps: HandlerDeps,
  msg: SqsMessage,
  event: WatchEvent,
  play: MappedPlay,
  log: Log,
  visibility: Repeater,
): Promise<HandleOutcome> {
  const region = event.region ?? deps.region;
  const api = await deps.awsApi(region);
  const ref: LifecycleActionRef | undefined = event.hook
    ? {
        asgName: event.asgName!,
        hookName: event.hook.name,
        ...(event.hook.token ? { token: event.hook.token } : { instanceId: event.instanceId }),
      }
    : undefined;
  log(
    "received",
    `${event.kind} event for ${event.instanceId}${event.asgName ? ` in ${event.asgName}` : ""} (${event.envelope}, receive #${msg.receiveCount})`,
    "info",
    { kind: event.kind, instance_id: event.instanceId, asg_name: event.asgName, envelope: event.envelope },
  );
  if (ref && deps.config.heartbeats) {
    // One heartbeat before the play: a duplicate of an action that is already finished (here or
    // by another watcher, or timed out) must not run its play again.
    try {
      await api.recordLifecycleActionHeartbeat(ref);
    } catch (err) {
      if (isNoActiveAction(err)) {
        log(
          "inactive",
          `no active lifecycle action for ${event.instanceId} (completed elsewhere or timed out): not running the play`,
        );
        return finish(deps, msg, event, log, visibility);
      }
      // ValidationError: no such group or hook. Retrying cannot help; the redrive policy decides.
      if (err instanceof RemoteError && err.data.code === "ValidationError")
        return leaveForRedrive(deps, msg, log, "invalid", `no such lifecycle action: ${err.data.apiMessage}`);
      log(
        "error",
        `RecordLifecycleActionHeartbeat failed: ${(err as Error).message}; left for a retry`,
        "error",
      );
      return "left";
    }
  }
  let inventoryVars: Vars = {};
  let asgName = event.asgName;
  try {
    const inst = await describeInstance(api, event.instanceId);
    if (inst) {
      inventoryVars = ec2Vars(inst, region);
      asgName ??= inst.tags?.["aws:autoscaling:groupName"];
    }
  } catch (err) {
    if (err instanceof EventProblem) return leaveForRedrive(deps, msg, log, "invalid", err.message);
    log("error", `DescribeInstances failed: ${(err as Error).message}; left for a retry`, "error");
    return "left";
  }
  const vars = eventVars(event, { messageId: msg.id, receiveCount: msg.receiveCount }, region, asgName);
  const minion = renderMinionId(deps.config.minion_id, { ...inventoryVars, ...vars }, deps.env);
  if (!minion.ok) log("warning", `${minion.reason}: minion_id is null for this play`, "warn");
  vars.minion_id = minion.ok ? minion.id : null;

  const heartbeat = await startHeartbeat(deps, api, ref, event, log);
  let result: Awaited<ReturnType<typeof runWatchPlay>>;
  log(
    "play-start",
    `running ${play.file} for ${event.instanceId}${minion.ok ? ` (minion ${minion.id})` : ""}`,
    "info",
    {
      playbook: play.file,
    },
  );
  const writer = deps.log.playWriter(msg.id);
  try {
    result = await runWatchPlay({
      playbook: play.playbook,
      inventory: oneHostInventory(event.instanceId, inventoryVars, asgName ?? undefined),
      extraVars: { ...deps.config.vars, ...play.vars, ...vars },
      env: deps.env,
      cwd: deps.cwd,
      homeDir: deps.homeDir,
      signal: deps.playSignal,
      json: deps.output.json,
      verbosity: deps.output.verbosity,
      write: deps.output.json ? deps.output.write : writer.write,
      warn: deps.output.warn,
      tag: { message_id: msg.id },
    });
  } finally {
    writer.flush();
    heartbeat?.stop();
  }
  if (result.problem) log("warning", `the play cannot run: ${result.problem}`, "warn");
  log("play-end", `play finished for ${event.instanceId}: exit ${result.exitCode}`, "info", {
    exit_code: result.exitCode,
  });
  if (result.interrupted) {
    log("left", "play stopped before it finished (grace period over): left to reappear", "warn");
    visibility.stop();
    await deps.sqs.changeVisibility(deps.queueUrl, msg.receiptHandle, 0).catch(() => {});
    return "left";
  }
  if (ref) {
    const outcome = result.exitCode === 0 ? "CONTINUE" : deps.config.result_on_failure;
    try {
      const done = await completeAction(api, ref, outcome);
      if (done === "completed")
        log(
          "completed",
          `completed lifecycle action ${ref.hookName} for ${event.instanceId}: ${outcome}`,
          "info",
          {
            result: outcome,
          },
        );
      else
        log(
          "inactive",
          `no active lifecycle action for ${event.instanceId} (completed elsewhere or timed out): nothing to complete`,
        );
    } catch (err) {
      log("error", `CompleteLifecycleAction failed: ${(err as Error).message}; left for a retry`, "error");
      return "left";
    }
  }
  return finish(deps, msg, event, log, visibility);
}

async function finish(
  deps: HandlerDeps,
  msg: SqsMessage,
  event: WatchEvent,
  log: Log,
  visibility: Repeater,
): Promise<HandleOutcome> {
  deps.done.add(event.key);
  visibility.stop();
  if (!(await deleteMessage(deps, msg, log))) return "left";
  log("deleted", "deleted");
  return "deleted";
}

async function deleteMessage(deps: HandlerDeps, msg: SqsMessage, log: Log): Promise<boolean> {
  try {
    await deps.sqs.deleteMessage(deps.queueUrl, msg.receiptHandle);
    return true;
  } catch (err) {
    log("error", `DeleteMessage failed: ${(err as Error).message}; it will reappear`, "error");
    return false;
  }
}

function extendVisibility(deps: HandlerDeps, msg: SqsMessage, log: Log): Repeater {
  const seconds = deps.config.visibility_timeout;
  return repeat(
    (seconds * 1000) / 2,
    () => deps.sqs.changeVisibility(deps.queueUrl, msg.receiptHandle, seconds),
    (err) => {
      log("warning", `ChangeMessageVisibility failed: ${(err as Error).message}`, "warn");
      return "continue";
    },
  );
}

async function startHeartbeat(
  deps: HandlerDeps,
  api: AwsApi,
  ref: LifecycleActionRef | undefined,
  event: WatchEvent,
  log: Log,
): Promise<Repeater | undefined> {
  if (!ref || !deps.config.heartbeats) return undefined;
  const seconds = await deps.heartbeatInterval(api, ref.asgName, ref.hookName);
  return repeat(
    seconds * 1000,
    async () => {
      await api.recordLifecycleActionHeartbeat(ref);
      log("heartbeat", `heartbeat for ${event.instanceId}`, "debug");
    },
    (err) => {
      if (isNoActiveAction(err)) {
        log(
          "heartbeat-lost",
          `lifecycle action for ${event.instanceId} is no longer active: heartbeats stopped`,
          "warn",
        );
        return "stop";
      }
      log("warning", `RecordLifecycleActionHeartbeat failed: ${(err as Error).message}`, "warn");
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
