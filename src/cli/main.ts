#!/usr/bin/env node
// The one exit point: parse argv, run one command, turn any error into one stderr line and an
// exit code. Nothing else in rollcall calls process.exit or prints.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CommandModule } from "yargs";
import { ExitCode, RollcallError, UsageError } from "../errors.js";
import { type CliContext, type CliSeams, createProcessContext } from "./context.js";
import { parseInventoryCall, printFromLeanCache } from "./inventory-lean.js";

// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type
type CommandFactory = (ctx: CliContext, seams: CliSeams) => CommandModule<any, any>;

/**
 * Commands load on demand: Ansible runs `rollcall --list` on every use, so start-up must not pay
 * for the runner, the simulator or the AWS SDK when it only prints an inventory.
 */
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  inventory: async () => (await import("./inventory.js")).inventoryCommand,
  roster: async () => (await import("./roster.js")).rosterCommand,
  play: async () => (await import("./play.js")).playCommand,
  sim: async () => (await import("./sim.js")).simCommand,
  demo: async () => (await import("./demo.js")).demoCommand,
  watch: async () => (await import("./watch.js")).watchCommand,
};

/** `rollcall --list` / `rollcall --host NAME`, as Ansible calls a script inventory. */
export function isBareInventoryCall(argv: readonly string[]): boolean {
  const first = argv[0];
  return first === "--list" || first === "--host" || (first?.startsWith("--host=") ?? false);
}

/** Run one command line; resolves to the exit code. Tests call it in-process with their seams. */
export async function runCli(argv: string[], ctx: CliContext, seams: CliSeams = {}): Promise<number> {
  // The AWS SDK prints a multi-line notice about Node 20 on first use; Ansible would show any
  // stderr as an error, so it is silenced unless the user set the variable themselves.
  ctx.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // `rollcall --list` / `--host NAME`: the bin itself is an Ansible script inventory.
  const args = isBareInventoryCall(argv) ? ["inventory", ...argv] : argv;
  const debug = args.includes("--debug");
  try {
    // The inventory calls skip yargs, and on a hit everything but the cached output.
    const call = isBareInventoryCall(argv) || argv[0] === "inventory" ? parseInventoryCall(argv) : undefined;
    if (call) {
      if (!printFromLeanCache(call, ctx)) await (await import("./inventory.js")).printInventory(call, ctx);
      return ctx.exitCode;
    }
    const first = args[0] ?? "";
    const names = Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
    const factories = await Promise.all(names.map((n) => COMMANDS[n]!()));
    const { default: yargs } = await import("yargs");
    const cli = yargs(args).scriptName("rollcall").usage("$0 <command> [options]");
    for (const factory of factories) cli.command(factory(ctx, seams));
    await cli
      .option("debug", { type: "boolean", describe: "show stack traces for internal errors", global: true })
      .demandCommand(1, "name a command (see --help)")
      .strict()
      .recommendCommands()
      .help()
      .version()
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .exitProcess(false)
      .fail((msg, err) => {
        // yargs reports its own validation (and our .check()s) with a message; anything thrown
        // by a handler arrives as `err` alone.
        if (err instanceof RollcallError || (err && !msg)) throw err;
        // Throwing is what stops yargs from running the handler anyway.
        throw new UsageError(describeUsageProblem(msg ?? err?.message ?? "invalid arguments", args));
      })
      .parseAsync();
  } catch (err) {
    return reportError(err, ctx, debug);
  }
  return ctx.exitCode;
}

function describeUsageProblem(message: string, args: readonly string[]): string {
  const suggestion = /^Did you mean (\S+)\?/.exec(message);
  if (suggestion) return `unknown command "${args[0]}" (did you mean "${suggestion[1]}"?)`;
  return message.split("\n")[0]!;
}

function reportError(err: unknown, ctx: CliContext, debug: boolean): number {
  if (err instanceof RollcallError) {
    ctx.stderr(`rollcall: ${err.message}\n`);
    if (debug && err.cause instanceof Error && err.cause.stack) ctx.stderr(`${err.cause.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  ctx.stderr(
    `rollcall: internal error: ${e?.message ?? String(err)}${debug ? "" : " (run with --debug for details)"}\n`,
  );
  if (debug && e?.stack) ctx.stderr(`${e.stack}\n`);
  return ExitCode.internal;
}

function isMainModule(): boolean {
  try {
    return realpathSync.native(process.argv[1] ?? "") === realpathSync.native(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // A closed stdout pipe (`rollcall inventory --list | head`) is handled in context.ts.
  const ctx = createProcessContext();
  runCli(process.argv.slice(2), ctx).then((code) => {
    process.exitCode = code;
  });
}
