// One SQS message, start to finish: parse; drop test notifications; leave what cannot be handled
// for the queue's redrive policy; check the lifecycle action is still open (one heartbeat) so a
// duplicate delivery does not run its play again; build the one-host inventory; run the play
// while heartbeating the action and extending the message's visibility; complete the action;
// and only then delete the message. Any failure before completion leaves the message to reappear.
import type { SqsMessage } from "../cloud/aws/sqs.js";
import type { WatchConfig } from "../config/watch-config.js";
import {
  actionRef,
  completeAfterPlay,
  type EventJob,
  finish,
  giveBack,
  precheck,
  prepareHost,
  runEventPlay,
} from "./event-steps.js";
import { type EventKind, parseMessage, type WatchEvent } from "./events.js";
import {
  createJob,
  deleteMessage,
  extendVisibility,
  type HandleOutcome,
  type HandlerDeps,
  type Job,
  leaveForRedrive,
  type MappedPlay,
} from "./job.js";
import type { Repeater } from "./lifecycle.js";

const EVENT_KEY: Record<EventKind, keyof WatchConfig> = {
  launch: "on_launch",
  terminate: "on_terminate",
  launched: "on_launched",
  terminated: "on_terminated",
  interruption: "on_interruption",
  rebalance: "on_rebalance",
};

export async function handleMessage(deps: HandlerDeps, msg: SqsMessage): Promise<HandleOutcome> {
  const job = createJob(deps, msg);
  const parsed = parseMessage(msg.body);
  if (parsed.type === "invalid") return leaveForRedrive(job, "invalid", parsed.reason);
  if (parsed.type === "test") {
    if (!(await deleteMessage(job))) return "left";
    job.log("test", `Auto Scaling test notification (${parsed.envelope}): deleted`);
    return "deleted";
  }
  const event = parsed.event;
  const play = deps.plays[event.kind];
  if (!play)
    return leaveForRedrive(
      job,
      "no-play",
      `no play for ${event.kind} events (set watch.${EVENT_KEY[event.kind]})`,
    );
  const visibility = extendVisibility(job);
  try {
    // Events of one instance run in order; a copy of one that finished meanwhile is dropped.
    return await deps.serialize(event.instanceId, async () => {
      if (!deps.done.has(event.key)) return handleEvent(job, event, play, visibility);
      visibility.stop();
      if (!(await deleteMessage(job))) return "left";
      job.log("duplicate", `duplicate of ${event.key}, already handled here: deleted`);
      return "deleted";
    });
  } finally {
    visibility.stop();
  }
}

async function handleEvent(
  job: Job,
  event: WatchEvent,
  play: MappedPlay,
  visibility: Repeater,
): Promise<HandleOutcome> {
  const region = event.region ?? job.deps.region;
  const e: EventJob = {
    ...job,
    event,
    play,
    region,
    api: await job.deps.awsApi(region),
    ref: actionRef(event),
    visibility,
  };
  e.log(
    "received",
    `${event.kind} event for ${event.instanceId}${event.asgName ? ` in ${event.asgName}` : ""} (${event.envelope}, receive #${job.msg.receiveCount})`,
    "info",
    { kind: event.kind, instance_id: event.instanceId, asg_name: event.asgName, envelope: event.envelope },
  );
  const stopped = await precheck(e);
  if (stopped) return stopped;
  const host = await prepareHost(e);
  if (typeof host === "string") return host;
  const result = await runEventPlay(e, host);
  if (result.interrupted) return giveBack(e);
  return (await completeAfterPlay(e, result)) ?? finish(e);
}
