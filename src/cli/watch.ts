// `rollcall watch -c CONFIG`: consume lifecycle-hook, notification and EC2 events from SQS and run
// the mapped plays. Here live the process parts: the config file name, signals (SIGTERM or the
// first Ctrl-C stops receiving and lets plays in flight finish; a second Ctrl-C stops them) and
// the exit code. Everything else is src/watch/.
import { resolve } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { loadWatchConfig } from "../config/watch-config.js";
import { ExitCode, UsageError } from "../errors.js";
import { startWatcher, type Watcher } from "../watch/index.js";
import { type CliContext, cacheDirOf, stateDirOf } from "./context.js";

export interface WatchArgs {
  config?: string;
  json?: boolean;
  verbose?: number;
}

export function watchCommand(ctx: CliContext): CommandModule<object, WatchArgs> {
  return {
    command: "watch",
    describe: "run plays for ASG lifecycle hooks, notifications and spot interruptions read from SQS",
    builder: (y: Argv) =>
      y
        .option("config", {
          alias: "c",
          type: "string",
          describe: "config file with a watch: section (default: $ROLLCALL_CONFIG)",
        })
        .option("json", { type: "boolean", describe: "one JSON object per line (log lines and play events)" })
        .option("verbose", {
          alias: "v",
          type: "count",
          describe: "more output",
        }) as unknown as Argv<WatchArgs>,
    handler: (args) => runWatch(args, ctx),
  };
}

export async function runWatch(args: WatchArgs, ctx: CliContext): Promise<void> {
  const file = args.config ?? ctx.env.ROLLCALL_CONFIG;
  if (!file) throw new UsageError("watch: name the config file with -c FILE (or set ROLLCALL_CONFIG)");
  const { config } = await loadWatchConfig(resolve(ctx.cwd, file));
  let watcher: Watcher | undefined;
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) watcher?.stop();
    else watcher?.stopNow();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    watcher = await startWatcher({
      configFile: file,
      config,
      env: ctx.env,
      cwd: ctx.cwd,
      homeDir: ctx.homeDir,
      stateDir: stateDirOf(ctx),
      cacheDir: cacheDirOf(ctx),
      output: { json: args.json === true, verbosity: args.verbose ?? 0, write: ctx.stdout, warn: ctx.stderr },
    });
    // A signal during start-up: stop as soon as there is something to stop.
    if (signals > 0) watcher.stop();
    if (signals > 1) watcher.stopNow();
    await watcher.done;
    if (watcher.forced) ctx.exitCode = ExitCode.interrupted;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
