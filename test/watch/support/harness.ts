// End-to-end harness for `rollcall watch`: the AWS simulator in this process (so tests can scale
// groups, inject spot interruptions and read queues), the built CLI as child processes, and
// recording stand-ins for Salt's `salt` / `salt-key` on PATH (Salt itself cannot be installed
// on the build machines; see salt-standin.mjs for what they check).
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { stringify } from "yaml";
import type { AwsFleetInput } from "../../../src/sim/aws/index.js";
import { CLI } from "../../helpers/cli.js";
import { startTestAwsSim, type TestAwsSim } from "../../sim/aws/helpers.js";

export const ACCOUNT = "123456789012";
export const PLAYBOOKS = resolve("playbooks");
const STANDIN = resolve("test/watch/support/salt-standin.mjs");

export interface SaltCall {
  prog: "salt" | "salt-key";
  argv: string[];
  minion: string;
  function?: string;
  done?: boolean;
  at: number;
}

export interface Harness {
  sim: TestAwsSim;
  dir: string;
  sqs: SQSClient;
  saltLog: string;
  /** Salt stand-in calls so far. */
  saltCalls(): SaltCall[];
  /** Write a config (the `watch:` mapping) and return its path. */
  writeConfig(watch: Record<string, unknown>, name?: string): string;
  startWatcher(config: string, env?: Record<string, string>, args?: string[]): WatcherProcess;
  /** Lifecycle completions recorded by the simulator (token → results). */
  completions(): { instance: string; token: string; hook: string; result: string; by: string }[];
  stop(): Promise<void>;
}

export interface WatcherProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  lines(): string[];
  /** Resolves with the first stdout line matching `re` (rejects after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** A fleet with one ASG whose hooks and notifications all go to the `events` queue. */
export function watchFleet(options: {
  asg?: string;
  desired?: number;
  max?: number;
  heartbeatTimeout?: number;
  defaultResult?: "CONTINUE" | "ABANDON";
  launchVia?: "direct" | "sns" | "eventbridge";
  terminateVia?: "direct" | "sns" | "eventbridge";
  visibility?: number;
  bootSec?: number;
  /** Plain launch/terminate notifications to the topic (default true). */
  notifications?: boolean;
  /** Redrive to `events-dlq` after this many receives (default: no redrive policy). */
  maxReceiveCount?: number;
}): AwsFleetInput {
  const asg = options.asg ?? "kafka-asg-prod";
  const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:events`;
  const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:asg-events`;
  const target = (via: "direct" | "sns" | "eventbridge" | undefined) =>
    via === "eventbridge" ? {} : { notification_target_arn: via === "sns" ? topicArn : queueArn };
  return {
    account_id: ACCOUNT,
    launch_templates: [
      { name: "lt", region: "us-east-1", versions: [{ image_id: "ami-0a1b2c3d4e5f60001" }] },
    ],
    asgs: [
      {
        name: asg,
        region: "us-east-1",
        launch_template: { name: "lt" },
        min: 0,
        max: options.max ?? 30,
        desired: options.desired ?? 1,
        ports: [7022],
        boot_sec: options.bootSec ?? 1,
        shutdown_sec: 1,
        notifications:
          options.notifications === false
            ? []
            : [
                {
                  topic_arn: topicArn,
                  types: ["autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_TERMINATE"],
                },
              ],
        lifecycle_hooks: [
          {
            name: "salt-launch",
            transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
            heartbeat_timeout: options.heartbeatTimeout ?? 300,
            default_result: options.defaultResult ?? "ABANDON",
            ...target(options.launchVia ?? "direct"),
          },
          {
            name: "salt-terminate",
            transition: "autoscaling:EC2_INSTANCE_TERMINATING",
            heartbeat_timeout: options.heartbeatTimeout ?? 300,
            default_result: options.defaultResult ?? "ABANDON",
            ...target(options.terminateVia ?? "sns"),
          },
        ],
      },
    ],
    sqs: {
      queues: [
        {
          name: "events",
          visibility_timeout: options.visibility ?? 30,
          ...(options.maxReceiveCount && {
            dead_letter_queue: "events-dlq",
            max_receive_count: options.maxReceiveCount,
          }),
        },
        { name: "events-dlq" },
      ],
      topics: [{ name: "asg-events", subscriptions: [{ queue: "events" }] }],
      eventbridge_queue: "events",
    },
  };
}

export async function startHarness(fleet: AwsFleetInput, timeScale: number): Promise<Harness> {
  const sim = await startTestAwsSim(fleet, { timeScale });
  const dir = mkdtempSync(join(tmpdir(), "rollcall-watch-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const prog of ["salt", "salt-key"]) {
    const path = join(bin, prog);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${STANDIN}" ${prog} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const saltLog = join(dir, "salt-calls.jsonl");
  writeFileSync(saltLog, "");
  const sqs = new SQSClient({
    region: "us-east-1",
    endpoint: sim.url,
    credentials: { accessKeyId: sim.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sim.env.AWS_SECRET_ACCESS_KEY! },
  });
  const watchers: WatcherProcess[] = [];
  return {
    sim,
    dir,
    sqs,
    saltLog,
    saltCalls: () =>
      readFileSync(saltLog, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SaltCall),
    writeConfig(watch, name = "watch.yml") {
      const path = join(dir, name);
      writeFileSync(
        path,
        stringify({ watch: { queue_url: sim.queueUrl("events"), region: "us-east-1", ...watch } }),
      );
      return path;
    },
    startWatcher(config, env = {}, args = []) {
      const child = spawn(process.execPath, [CLI, "watch", "-c", config, ...args], {
        cwd: dir,
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          HOME: dir,
          XDG_CACHE_HOME: join(dir, "cache"),
          XDG_STATE_HOME: join(dir, "state"),
          ...sim.env,
          SALT_STANDIN_LOG: saltLog,
          ...env,
        },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
      child.stdout.on("data", (d: Buffer) => {
        out += d;
        for (const w of [...waiters]) {
          const hit = out.split("\n").find((l) => w.re.test(l));
          if (hit) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(hit);
          }
        }
      });
      child.stderr.on("data", (d: Buffer) => (err += d));
      const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
      const w: WatcherProcess = {
        child,
        stdout: () => out,
        stderr: () => err,
        lines: () => out.split("\n").filter(Boolean),
        waitFor(re, timeoutMs = 30_000) {
          const hit = out.split("\n").find((l) => re.test(l));
          if (hit) return Promise.resolve(hit);
          return new Promise((resolveLine, reject) => {
            const t = setTimeout(
              () =>
                reject(
                  new Error(`no line matching ${re} in ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`),
                ),
              timeoutMs,
            );
            waiters.push({
              re,
              resolve: (l) => {
                clearTimeout(t);
                resolveLine(l);
              },
            });
          });
        },
        exited,
      };
      watchers.push(w);
      return w;
    },
    completions: () =>
      sim.shared.timeline
        .filter((e) => e.type === "action" && e.detail.lifecycle === "completed")
        .map((e) => ({
          instance: e.subject,
          token: String(e.detail.token),
          hook: String(e.detail.hook),
          result: String(e.detail.result),
          by: String(e.detail.by),
        })),
    async stop() {
      for (const w of watchers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
      await Promise.all(watchers.map((w) => w.exited));
      sqs.destroy();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
