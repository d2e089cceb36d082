// What a watcher sets up before it takes a message: the mapped plays, parsed and checked against a
// stand-in host (a typo in a play stops it at start-up), and the AWS clients, configured the way
// the inventory's aws source configures them.
import { dirname, resolve } from "node:path";
import type { AwsApi, AwsApiSettings } from "../cloud/aws/api.js";
import { createSqsApi, type SqsApi } from "../cloud/aws/sqs.js";
import { awsSourceSchema } from "../config/aws-source.js";
import { EVENT_KEYS, type WatchConfig } from "../config/watch-config.js";
import { InputError } from "../errors.js";
import { awsApiSettings } from "../inventory/sources/aws.js";
import type { EventKind } from "./events.js";
import { oneHostInventory } from "./host.js";
import type { MappedPlay } from "./job.js";
import { checkWatchPlaybook, loadWatchPlaybook } from "./run-play.js";

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

export async function loadPlays(
  config: WatchConfig,
  configFile: string,
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<Partial<Record<EventKind, MappedPlay>>> {
  const base = dirname(resolve(cwd, configFile));
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
      env,
    );
    plays[KIND_OF[key]] = { file: ref.playbook, path: resolve(base, ref.playbook), vars: ref.vars };
  }
  return plays;
}

export interface Clients {
  region: string;
  queueUrl: string;
  sqs: SqsApi;
  /** EC2 + Auto Scaling for a region (events may name another region than the queue's). */
  awsApi(region: string): Promise<AwsApi>;
  destroy(): Promise<void>;
}

export interface ClientOptions {
  env: Record<string, string | undefined>;
  homeDir: string;
  createAwsApi?: (settings: AwsApiSettings) => Promise<AwsApi>;
  createSqsApi?: typeof createSqsApi;
}

export async function createClients(config: WatchConfig, o: ClientOptions): Promise<Clients> {
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
  const own = settingsFor(region);
  const sqs = await (o.createSqsApi ?? createSqsApi)({
    region,
    endpoint: config.endpoint_url ?? o.env.AWS_ENDPOINT_URL_SQS ?? o.env.AWS_ENDPOINT_URL,
    profile: own.profile,
    credentials: own.credentials,
  });
  const apis = new Map<string, Promise<AwsApi>>();
  const create =
    o.createAwsApi ?? (async (s: AwsApiSettings) => (await import("../cloud/aws/api.js")).createAwsApi(s));
  const awsApi = (r: string) => {
    let api = apis.get(r);
    if (!api) {
      api = create(settingsFor(r));
      apis.set(r, api);
    }
    return api;
  };
  try {
    const queueUrl = config.queue_url ?? (await sqs.getQueueUrl(config.queue_name!));
    // Load the EC2 / Auto Scaling SDKs now, not on the first event: a spot interruption gives
    // two minutes, and the first one should not spend a second importing modules.
    await awsApi(region);
    return {
      region,
      queueUrl,
      sqs,
      awsApi,
      async destroy() {
        sqs.destroy();
        for (const api of apis.values()) (await api.catch(() => undefined))?.destroy();
      },
    };
  } catch (err) {
    sqs.destroy();
    throw err;
  }
}

function regionOf(config: WatchConfig, env: Record<string, string | undefined>): string {
  const fromUrl = config.queue_url
    ? /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(config.queue_url)?.[1]
    : undefined;
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? fromUrl;
  if (!region) throw new InputError("watch: no region: set watch.region, or AWS_REGION");
  return region;
}
