// `startWatcher`: load the mapped plays (a broken one stops the watcher before it takes a
// message), connect to SQS, EC2 and Auto Scaling the way the inventory's aws source does, and
// run the receive loop until stopped. Prints nothing itself: log lines and play output go to
// the output the CLI hands in.
import { dirname, resolve } from "node:path";
import type { AwsApi, AwsApiSettings } from "../cloud/aws/api.js";
import { createSqsApi, type SqsApi } from "../cloud/aws/sqs.js";
import { awsSourceSchema } from "../config/aws-source.js";
import { EVENT_KEYS, type WatchConfig } from "../config/watch-config.js";
import { UsageError } from "../errors.js";
import { awsApiSettings } from "../inventory/sources/aws.js";
import { createKeyedSerializer, startConsumer } from "./consumer.js";
import type { EventKind } from "./events.js";
import { handleMessage } from "./handle.js";
import { oneHostInventory } from "./host.js";
import { BoundedSet, type MappedPlay } from "./job.js";
import { createHeartbeatIntervals } from "./lifecycle.js";
import { createWatchLog, type WatchOutput } from "./log.js";
import { checkWatchPlaybook, loadWatchPlaybook } from "./run-play.js";

export type { WatchOutput } from "./log.js";

export interface WatcherOptions {
  configFile: string;
  config: WatchConfig;
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  output: WatchOutput;
  /** Tests: clients other than the SDK's (default: real ones from the settings). */
  createAwsApi?: (settings: AwsApiSettings) => Promise<AwsApi>;
  createSqsApi?: typeof createSqsApi;
}

export interface Watcher {
  queueUrl: string;
  /** Settles when the watcher has stopped and every message in flight is finished. */
  done: Promise<void>;
  /** Stop receiving; plays in flight finish within the grace period, then are stopped. */
  stop(): void;
  /** Stop the plays in flight now (their messages are left to reappear). */
  stopNow(): void;
  /** Plays were stopped before they finished (stopNow, or the grace period ran out). */
  readonly forced: boolean;
}

const KIND_OF: Record<(typeof EVENT_KEYS)[number], EventKind> = {
  on_launch: "launch",
  on_terminate: "terminate",
  on_launched: "launched",
  on_terminated: "terminated",
  on_interruption: "interruption",
  on_rebalance: "rebalance",
};

/** Every variable an event can give a play, for checking plays before anything runs. */
const STAND_IN_VARS = {
  event_kind: "launch",
  event_envelope: "direct",
  event_time: null,
  event: {},
  instance_id: "i-0123456789abcdef0",
  asg_name: "stand-in",
  region: "us-east-1",
  message_id: "stand-in",
  receive_count: 1,
  lifecycle_hook_name: null,
  lifecycle_transition: null,
  lifecycle_action_token: null,
  lifecycle_notification_metadata: null,
  interruption_action: null,
  minion_id: "stand-in",
};

export async function startWatcher(o: WatcherOptions): Promise<Watcher> {
  const { config } = o;
  const base = dirname(resolve(o.cwd, o.configFile));
  const plays: Partial<Record<EventKind, MappedPlay>> = {};
  for (const key of EVENT_KEYS) {
    const ref = config[key];
    if (!ref) continue;
    const playbook = await loadWatchPlaybook(ref.playbook, base);
    const hostVars = { ansible_host: "127.0.0.1", ec2_instance_id: STAND_IN_VARS.instance_id };
    await checkWatchPlaybook(
      playbook,
      oneHostInventory(STAND_IN_VARS.instance_id, hostVars, "stand-in"),
      { ...config.vars, ...ref.vars, ...STAND_IN_VARS },
      o.env,
    );
    plays[KIND_OF[key]] = { file: ref.playbook, playbook, vars: ref.vars };
  }

  const region = regionOf(config, o.env);
  const settingsFor = (r: string): AwsApiSettings =>
    awsApiSettings(
      awsSourceSchema.parse({
        type: "aws",
        regions: [r],
        ...(config.profile && { profile: config.profile }),
        ...(config.endpoint_url && { endpoint_url: config.endpoint_url }),
      }),
      { env: o.env, homeDir: o.homeDir, note() {} },
      r,
    );
  const base0 = settingsFor(region);
  const sqs: SqsApi = await (o.createSqsApi ?? createSqsApi)({
    region,
    endpoint: config.endpoint_url ?? o.env.AWS_ENDPOINT_URL_SQS ?? o.env.AWS_ENDPOINT_URL,
    profile: base0.profile,
    credentials: base0.credentials,
  });
  const apis = new Map<string, Promise<AwsApi>>();
  const awsApi = (r: string) => {
    let api = apis.get(r);
    if (!api) {
      const create =
        o.createAwsApi ??
        (async (s: AwsApiSettings) => (await import("../cloud/aws/api.js")).createAwsApi(s));
      api = create(settingsFor(r));
      apis.set(r, api);
    }
    return api;
  };
  const queueUrl = config.queue_url ?? (await sqs.getQueueUrl(config.queue_name!));
  // Load the EC2 / Auto Scaling SDKs now, not on the first event: a spot interruption gives
  // two minutes, and the first one should not spend a second importing modules.
  await awsApi(region);

  const log = createWatchLog(o.output);
  const plays$ = new AbortController();
  const done = new BoundedSet();
  const reported = new BoundedSet();
  const serialize = createKeyedSerializer();
  const heartbeatInterval = createHeartbeatIntervals(config.heartbeat_interval);
  const consumer = startConsumer({
    sqs,
    queueUrl,
    concurrency: config.concurrency,
    waitSeconds: config.wait_time_seconds,
    visibilityTimeout: config.visibility_timeout,
    log,
    handle: (m) =>
      handleMessage(
        {
          config,
          queueUrl,
          region,
          sqs,
          awsApi,
          plays,
          log,
          output: o.output,
          env: o.env,
          cwd: o.cwd,
          homeDir: o.homeDir,
          heartbeatInterval,
          done,
          reported,
          serialize,
          playSignal: plays$.signal,
        },
        m,
      ),
  });
  log.line({
    what: "started",
    level: "info",
    text: `watching ${queueUrl} (${region}, concurrency ${config.concurrency}; plays for ${Object.keys(plays).join(", ")})`,
  });

  let graceTimer: NodeJS.Timeout | undefined;
  const finished = consumer.done.finally(async () => {
    if (graceTimer) clearTimeout(graceTimer);
    sqs.destroy();
    for (const api of apis.values()) (await api.catch(() => undefined))?.destroy();
  });
  return {
    queueUrl,
    done: finished.then(() => log.line({ what: "stopped", level: "info", text: "stopped" })),
    stop() {
      if (graceTimer) return;
      const busy = consumer.inFlight();
      log.line({
        what: "stopping",
        level: "info",
        text: `stopping: receiving nothing more; ${busy} message${busy === 1 ? "" : "s"} in flight (grace ${config.grace_period} s)`,
      });
      consumer.stop();
      graceTimer = setTimeout(() => plays$.abort(), config.grace_period * 1000);
    },
    stopNow() {
      consumer.stop();
      plays$.abort();
    },
    get forced() {
      return plays$.signal.aborted;
    },
  };
}

function regionOf(config: WatchConfig, env: Record<string, string | undefined>): string {
  const fromUrl = config.queue_url
    ? /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(config.queue_url)?.[1]
    : undefined;
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? fromUrl;
  if (!region) throw new UsageError("watch: no region: set watch.region, or AWS_REGION");
  return region;
}
