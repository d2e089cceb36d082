// `startWatcher`: load the mapped plays, connect to SQS, EC2 and Auto Scaling, and run the
// receive loop until stopped. Prints nothing itself: log lines and play output go to the output
// the CLI hands in.
import type { AwsApi, AwsApiSettings } from "../cloud/aws/api.js";
import type { createSqsApi } from "../cloud/aws/sqs.js";
import type { WatchConfig } from "../config/watch-config.js";
import { createKeyedSerializer, startConsumer } from "./consumer.js";
import { handleMessage } from "./handle.js";
import { BoundedSet, type HandlerDeps } from "./job.js";
import { createHeartbeatIntervals } from "./lifecycle.js";
import { createWatchLog, type WatchOutput } from "./log.js";
import { createClients, loadPlays } from "./setup.js";

export type { WatchOutput } from "./log.js";

export interface WatcherOptions {
  configFile: string;
  config: WatchConfig;
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  /** Run journals of the plays ($XDG_STATE_HOME/rollcall) and the inventory cache. */
  stateDir: string;
  cacheDir: string;
  output: WatchOutput;
  /** Seams: clients other than the SDK's (default: real ones from the settings). */
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

export async function startWatcher(o: WatcherOptions): Promise<Watcher> {
  const { config } = o;
  const plays = await loadPlays(config, o.configFile, o.cwd, o.env);
  const clients = await createClients(config, o);
  const log = createWatchLog(o.output);
  const plays$ = new AbortController();
  const deps: HandlerDeps = {
    config,
    queueUrl: clients.queueUrl,
    region: clients.region,
    sqs: clients.sqs,
    awsApi: clients.awsApi,
    plays,
    log,
    output: o.output,
    env: o.env,
    cwd: o.cwd,
    homeDir: o.homeDir,
    stateDir: o.stateDir,
    cacheDir: o.cacheDir,
    heartbeatInterval: createHeartbeatIntervals(config.heartbeat_interval, (text) =>
      log.line({ what: "warning", level: "warn", text }),
    ),
    done: new BoundedSet(),
    reported: new BoundedSet(),
    serialize: createKeyedSerializer(),
    playSignal: plays$.signal,
  };
  const consumer = startConsumer({
    sqs: clients.sqs,
    queueUrl: clients.queueUrl,
    concurrency: config.concurrency,
    waitSeconds: config.wait_time_seconds,
    visibilityTimeout: config.visibility_timeout,
    log,
    handle: (m) => handleMessage(deps, m),
  });
  log.line({
    what: "started",
    level: "info",
    text: `watching ${clients.queueUrl} (${clients.region}, concurrency ${config.concurrency}; plays for ${Object.keys(plays).join(", ")})`,
  });

  let graceTimer: NodeJS.Timeout | undefined;
  const finished = consumer.done.finally(async () => {
    if (graceTimer) clearTimeout(graceTimer);
    await clients.destroy();
  });
  return {
    queueUrl: clients.queueUrl,
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
