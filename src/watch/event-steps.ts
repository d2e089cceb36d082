// The steps of one event after parsing: check the lifecycle action is still open, describe the
// instance and build the play's vars, run the play under heartbeats, complete the action, and
// finish (remember the event, delete the message).
import type { AwsApi, LifecycleActionRef } from "../cloud/aws/api.js";
import { RemoteError } from "../errors.js";
import type { Vars } from "../inventory/model.js";
import { eventVars, renderMinionId } from "./event-vars.js";
import type { WatchEvent } from "./events.js";
import { describeInstance, ec2Vars, oneHostInventory } from "./host.js";
import { deleteMessage, type HandleOutcome, type Job, leaveForRedrive, type MappedPlay } from "./job.js";
import { completeAction, isNoActiveAction, type Repeater, repeat } from "./lifecycle.js";
import { type PlayRunResult, runWatchPlay } from "./run-play.js";

export interface EventJob extends Job {
  event: WatchEvent;
  play: MappedPlay;
  region: string;
  api: AwsApi;
  /** The lifecycle action, for hook events. */
  ref?: LifecycleActionRef;
  visibility: Repeater;
}

export function actionRef(event: WatchEvent): LifecycleActionRef | undefined {
  if (!event.hook || !event.asgName) return undefined;
  return {
    asgName: event.asgName,
    hookName: event.hook.name,
    ...(event.hook.token ? { token: event.hook.token } : { instanceId: event.instanceId }),
  };
}

/**
 * One heartbeat before the play: a copy of an action that is already finished (here, by another
 * watcher, or by its timeout) must not run its play again. Undefined: go on.
 */
export async function precheck(job: EventJob): Promise<HandleOutcome | undefined> {
  if (!job.ref || !job.deps.config.heartbeats) return undefined;
  try {
    await job.api.recordLifecycleActionHeartbeat(job.ref);
    return undefined;
  } catch (err) {
    if (isNoActiveAction(err)) {
      job.log(
        "inactive",
        `no active lifecycle action for ${job.event.instanceId} (completed elsewhere or timed out): not running the play`,
      );
      return finish(job);
    }
    // No such group or hook: retrying cannot help; the redrive policy decides.
    if (err instanceof RemoteError && err.data.code === "ValidationError")
      return leaveForRedrive(job, "invalid", `no such lifecycle action: ${err.data.apiMessage}`);
    job.log(
      "error",
      `RecordLifecycleActionHeartbeat failed: ${(err as Error).message}; left for a retry`,
      "error",
    );
    return "left";
  }
}

export interface PreparedHost {
  hostVars: Vars;
  asgName?: string;
  /** The event's vars, minion_id included. */
  vars: Vars;
  minion?: string;
}

/** Describe the instance (if EC2 still has it) and build the play's vars and minion id. */
export async function prepareHost(job: EventJob): Promise<PreparedHost | HandleOutcome> {
  const { event } = job;
  let hostVars: Vars = {};
  let asgName = event.asgName;
  try {
    const inst = await describeInstance(job.api, event.instanceId);
    if (inst) {
      hostVars = ec2Vars(inst, job.region);
      asgName ??= inst.tags?.["aws:autoscaling:groupName"];
    }
  } catch (err) {
    job.log("error", `DescribeInstances failed: ${(err as Error).message}; left for a retry`, "error");
    return "left";
  }
  const vars = eventVars(
    event,
    { messageId: job.msg.id, receiveCount: job.msg.receiveCount },
    job.region,
    asgName,
  );
  const minion = renderMinionId(job.deps.config.minion_id, { ...hostVars, ...vars }, job.deps.env);
  if (!minion.ok) job.log("warning", `${minion.reason}: minion_id is null for this play`, "warn");
  vars.minion_id = minion.ok ? minion.id : null;
  return { hostVars, asgName, vars, minion: minion.ok ? minion.id : undefined };
}

/** Run the mapped play, heartbeating the lifecycle action meanwhile. */
export async function runEventPlay(job: EventJob, host: PreparedHost): Promise<PlayRunResult> {
  const { deps, event, play } = job;
  const heartbeat = await startHeartbeat(job);
  job.log(
    "play-start",
    `running ${play.file} for ${event.instanceId}${host.minion ? ` (minion ${host.minion})` : ""}`,
    "info",
    { playbook: play.file },
  );
  const writer = deps.log.playWriter(job.msg.id);
  let result: PlayRunResult;
  try {
    result = await runWatchPlay({
      playbook: play.path,
      inventory: oneHostInventory(event.instanceId, host.hostVars, host.asgName),
      name: `watch:${job.msg.id}`,
      extraVars: { ...deps.config.vars, ...play.vars, ...host.vars },
      env: deps.env,
      cwd: deps.cwd,
      homeDir: deps.homeDir,
      stateDir: deps.stateDir,
      cacheDir: deps.cacheDir,
      signal: deps.playSignal,
      json: deps.output.json,
      verbosity: deps.output.verbosity,
      write: deps.output.json ? deps.output.write : writer.write,
      warn: deps.output.warn,
      tag: { message_id: job.msg.id },
    });
  } finally {
    writer.flush();
    heartbeat?.stop();
  }
  if (result.problem) job.log("warning", `the play cannot run: ${result.problem}`, "warn");
  job.log("play-end", `play finished for ${event.instanceId}: exit ${result.exitCode}`, "info", {
    exit_code: result.exitCode,
  });
  return result;
}

/** CompleteLifecycleAction after the play (hooks only). Undefined: go on and delete. */
export async function completeAfterPlay(
  job: EventJob,
  result: PlayRunResult,
): Promise<HandleOutcome | undefined> {
  if (!job.ref) return undefined;
  const outcome = result.exitCode === 0 ? "CONTINUE" : job.deps.config.result_on_failure;
  try {
    if ((await completeAction(job.api, job.ref, outcome)) === "completed") {
      job.log(
        "completed",
        `completed lifecycle action ${job.ref.hookName} for ${job.event.instanceId}: ${outcome}`,
        "info",
        {
          result: outcome,
        },
      );
    } else {
      job.log(
        "inactive",
        `no active lifecycle action for ${job.event.instanceId} (completed elsewhere or timed out): nothing to complete`,
      );
    }
    return undefined;
  } catch (err) {
    job.log("error", `CompleteLifecycleAction failed: ${(err as Error).message}; left for a retry`, "error");
    return "left";
  }
}

/** The play was stopped (grace period over): make the message visible again for another watcher. */
export async function giveBack(job: EventJob): Promise<HandleOutcome> {
  job.log("left", "play stopped before it finished (grace period over): left to reappear", "warn");
  job.visibility.stop();
  await job.deps.sqs.changeVisibility(job.deps.queueUrl, job.msg.receiptHandle, 0).catch(() => {});
  return "left";
}

export async function finish(job: EventJob): Promise<HandleOutcome> {
  job.deps.done.add(job.event.key);
  job.visibility.stop();
  if (!(await deleteMessage(job))) return "left";
  job.log("deleted", "deleted");
  return "deleted";
}

async function startHeartbeat(job: EventJob): Promise<Repeater | undefined> {
  const { ref, api } = job;
  if (!ref || !job.deps.config.heartbeats) return undefined;
  const seconds = await job.deps.heartbeatInterval(api, ref.asgName, ref.hookName);
  const instance = job.event.instanceId;
  return repeat(
    seconds * 1000,
    async () => {
      await api.recordLifecycleActionHeartbeat(ref);
      job.log("heartbeat", `heartbeat for ${instance}`, "debug");
    },
    (err) => {
      if (isNoActiveAction(err)) {
        job.log(
          "heartbeat-lost",
          `lifecycle action for ${instance} is no longer active: heartbeats stopped`,
          "warn",
        );
        return "stop";
      }
      job.log("warning", `RecordLifecycleActionHeartbeat failed: ${(err as Error).message}`, "warn");
      return "continue";
    },
  );
}
