// `rollcall play PLAYBOOK`: parse, prepare (inventory, patterns, names), then run with the text or
// JSON reporter. The only place in the play runner that prints or touches the process.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createLogUpdate } from "log-update";
import type { Argv, CommandModule } from "yargs";
import yargs from "yargs";
import { ExitCode, RollcallError, UsageError } from "../errors.js";
import type { Inventory, InventoryNote } from "../inventory/model.js";
import { createSshConnector } from "../play/connection/ssh.js";
import type { PlayEvent } from "../play/events.js";
import { emptyInventory, hostListInventory, isHostList } from "../play/hosts/inventory.js";
import type { PlayServices } from "../play/modules/types.js";
import { parseExtraVars } from "../play/parse/extra-vars.js";
import { loadPlaybook } from "../play/parse/playbook.js";
import { createJsonReporter } from "../play/reporter/json.js";
import { createTextReporter, type LiveLine } from "../play/reporter/text.js";
import { formatHostList, formatTaskList } from "../play/run/list-hosts.js";
import { preparePlaybook } from "../play/run/prepare.js";
import { runPlaybook } from "../play/run/runner.js";
import { type CliContext, cacheDirOf } from "./context.js";
import {
  createCacheInvalidator,
  installInterruptHandlers,
  runServices,
  settleBeforeResume,
  wireRunJournal,
} from "./play-journal.js";
import { SPOTINST_RATE_LIMIT_HELP } from "./spotinst-help.js";

export interface PlayArgs {
  playbook: string;
  inventory?: string;
  limit?: string;
  check?: boolean;
  "extra-vars"?: string[];
  json?: boolean;
  verbose?: number;
  "list-hosts"?: boolean;
  "list-tasks"?: boolean;
  "syntax-check"?: boolean;
  forks?: number;
  resume?: boolean;
  user?: string;
  "private-key"?: string;
}

export type LoadInventory = (
  configFile: string,
  options: {
    env: Record<string, string | undefined>;
    homeDir: string;
    cacheDir: string;
    refreshCache: boolean;
    note: (note: InventoryNote) => void;
    /** The cache entries the inventory came from (a recycle invalidates them). */
    onCacheKeys?: (keys: string[]) => void;
  },
) => Promise<Inventory>;

/** Seams for tests and for later work (cloud clients, SSH connections). */
export interface PlayDeps {
  loadInventory?: LoadInventory;
  services?: Omit<Partial<PlayServices>, "env" | "cwd">;
  signal?: AbortSignal;
  now?: () => number;
  random?: () => number;
  /** Terminal width for banners (default: the real terminal's). */
  columns?: number;
  /** Print the total run time after the recap (default true). */
  showElapsed?: boolean;
  /** A second Ctrl-C: leave at once (default process.exit). */
  exitNow?: (code: number) => void;
}

export function playCommand(ctx: CliContext, deps: PlayDeps = {}): CommandModule<object, PlayArgs> {
  return {
    command: "play <playbook>",
    describe: "run the plays of a playbook (Ansible-like)",
    builder: (y: Argv) => playOptions(y).epilogue(SPOTINST_RATE_LIMIT_HELP) as unknown as Argv<PlayArgs>,
    handler: (args) => runPlay(args, ctx, deps),
  };
}

function playOptions(y: Argv) {
  return y
    .positional("playbook", { type: "string", describe: "the playbook file", demandOption: true })
    .option("inventory", {
      alias: "i",
      type: "string",
      describe: "inventory config file, or a host list 'h1,h2,' (default: $ROLLCALL_CONFIG)",
    })
    .option("limit", { alias: "l", type: "string", describe: "further limit hosts to a pattern (or @file)" })
    .option("check", {
      alias: "C",
      type: "boolean",
      describe: "dry run: report what would change, change nothing",
    })
    .option("extra-vars", {
      alias: "e",
      type: "string",
      array: true,
      describe: "k=v, @file.yml or a JSON/YAML mapping (repeatable)",
    })
    .option("json", { type: "boolean", describe: "print one JSON event per line instead of text" })
    .option("user", { alias: "u", type: "string", describe: "SSH login user (beats ansible_user, ssh.user)" })
    .option("private-key", {
      alias: "key-file",
      type: "string",
      describe: "SSH private key file (beats ansible_ssh_private_key_file, ssh.private_key)",
    })
    .option("verbose", { alias: "v", type: "count", describe: "more output (-vvv for the most)" })
    .option("list-hosts", { type: "boolean", describe: "list the hosts each play would run on, run nothing" })
    .option("list-tasks", { type: "boolean", describe: "list the tasks of each play, run nothing" })
    .option("syntax-check", {
      type: "boolean",
      describe: "check the playbook (and names against -i), run nothing",
    })
    .option("forks", {
      alias: "f",
      type: "number",
      default: 5,
      describe: "hosts of a batch that run at once",
    })
    .option("resume", {
      type: "boolean",
      describe: "continue an interrupted run of the same playbook, inventory, --limit and -e",
    });
}

export async function runPlay(args: PlayArgs, ctx: CliContext, deps: PlayDeps = {}): Promise<void> {
  const forks = args.forks ?? 5;
  if (!Number.isInteger(forks) || forks < 1)
    throw new UsageError(`--forks: expected a whole number ≥ 1, got ${args.forks}`);
  const loaded = await loadPlaybook(args.playbook, ctx.cwd);
  if (!loaded.ok) throw new UsageError(loaded.issues);
  const playbook = loaded.value;
  const extra = await parseExtraVars(args["extra-vars"] ?? [], ctx.cwd);
  if (extra.issues.length > 0) throw new UsageError(extra.issues);
  const inventorySpec = args.inventory ?? ctx.env.ROLLCALL_CONFIG;
  const syntaxOnly = args["syntax-check"] === true;
  if (syntaxOnly && !inventorySpec) {
    ctx.stdout(`\nplaybook: ${playbook.file}\n`);
    return;
  }
  const verbosity = args.verbose ?? 0;
  if (args.resume && !syntaxOnly && !args["list-hosts"] && !args["list-tasks"])
    await settleBeforeResume(args, inventorySpec, ctx, deps.signal ?? new AbortController().signal);
  const invalidator = createCacheInvalidator(cacheDirOf(ctx));
  const inventory = await inventoryFor(
    inventorySpec,
    ctx,
    deps,
    verbosity,
    args.resume === true,
    invalidator,
  );
  const limit = args.limit?.startsWith("@") ? await readLimitFile(args.limit.slice(1), ctx) : args.limit;
  const prepared = await preparePlaybook(playbook, inventory, { extraVars: extra.vars, limit, env: ctx.env });
  if (!prepared.ok) throw new UsageError(prepared.issues);
  if (syntaxOnly) return ctx.stdout(`\nplaybook: ${playbook.file}\n`);
  if (args["list-hosts"] || args["list-tasks"]) {
    if (args["list-hosts"]) ctx.stdout(formatHostList(prepared.value));
    if (args["list-tasks"]) ctx.stdout(formatTaskList(prepared.value));
    return;
  }
  const report = args.json ? createJsonReporter(ctx.stdout) : textReporter(ctx, deps, verbosity);
  const wiring = await wireRunJournal(args, inventorySpec, prepared.value, ctx);
  const onEvent = (e: PlayEvent) => {
    wiring.observe(e);
    report(e);
  };
  // One SSH pool per run (connection: ssh); closed in `finally`, so also after Ctrl-C.
  const ssh = createSshConnector({
    env: ctx.env,
    homeDir: ctx.homeDir,
    overrides: {
      ...(args.user ? { user: args.user } : {}),
      ...(args["private-key"] ? { privateKey: keyPath(args["private-key"], ctx.cwd) } : {}),
    },
    defaultUser: ctx.env.USER || ctx.env.LOGNAME,
    onWarning: (m) => ctx.stderr(`[WARNING]: ${m}\n`),
  });
  const controller = new AbortController();
  const uninstallInterrupts = installInterruptHandlers(
    controller,
    () =>
      ctx.stderr(
        `\nrollcall: interrupted: starting nothing new (Ctrl-C again to exit at once)\n${wiring.interruptNotice()}`,
      ),
    deps.exitNow ?? ((code) => process.exit(code)),
  );
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  try {
    const result = await runPlaybook(prepared.value, {
      check: args.check === true,
      forks,
      verbosity,
      services: {
        connect: ssh.connect,
        ...runServices(ctx, signal, verbosity),
        ...(wiring.journal && { journal: wiring.journal }),
        invalidateInventory: invalidator.invalidate,
        ...deps.services,
        env: ctx.env,
        cwd: ctx.cwd,
      },
      onEvent,
      signal,
      now: deps.now,
      random: deps.random,
      skipHost: wiring.skipHost,
      runFirst: wiring.runFirst,
    });
    if (result.interrupted) ctx.stderr("rollcall: interrupted\n");
    await wiring.finish(result.exitCode, result.interrupted);
    ctx.exitCode = result.exitCode;
  } finally {
    await ssh.close();
    uninstallInterrupts();
  }
}

function textReporter(ctx: CliContext, deps: PlayDeps, verbosity: number) {
  const tty = ctx.stdoutIsTTY;
  const width = deps.columns ?? process.stdout.columns ?? 80;
  let live: LiveLine | undefined;
  if (tty) {
    const stream = { write: (t: string) => ctx.stdout(t), columns: width, rows: process.stdout.rows ?? 24 };
    const update = createLogUpdate(stream as unknown as NodeJS.WriteStream, { showCursor: true });
    live = { update: (text) => update(text), clear: () => update.clear() };
  }
  return createTextReporter({
    write: ctx.stdout,
    warn: ctx.stderr,
    color: tty && !ctx.env.NO_COLOR,
    verbosity,
    columns: tty ? Math.max(79, width - 1) : 79,
    live,
    showElapsed: deps.showElapsed,
  });
}

async function inventoryFor(
  spec: string | undefined,
  ctx: CliContext,
  deps: PlayDeps,
  verbosity: number,
  resume: boolean,
  invalidator: ReturnType<typeof createCacheInvalidator>,
): Promise<Inventory> {
  if (!spec) return emptyInventory();
  if (isHostList(spec)) return hostListInventory(spec);
  const load = deps.loadInventory ?? loadInventoryModule;
  return load(resolve(ctx.cwd, spec), {
    env: ctx.env,
    homeDir: ctx.homeDir,
    cacheDir: cacheDirOf(ctx),
    // A resumed run follows a crash, maybe mid-recycle: never trust a cache from before it.
    refreshCache: resume,
    onCacheKeys: invalidator.onCacheKeys,
    note: (n) => {
      if (n.level === "warn") ctx.stderr(`[WARNING]: ${n.message}\n`);
      else if (verbosity > 0) ctx.stderr(`${n.message}\n`);
    },
  });
}

/** Loaded on demand: listing or syntax-checking with a host list never needs the cloud sources. */
const loadInventoryModule: LoadInventory = async (file, options) => {
  const { loadInventory } = await import("../inventory/collect.js");
  return loadInventory(file, options);
};

/** `~/…` is left for the SSH layer to expand against the home dir; anything else is from the cwd. */
function keyPath(path: string, cwd: string): string {
  return path.startsWith("~/") ? path : resolve(cwd, path);
}

async function readLimitFile(file: string, ctx: CliContext): Promise<string> {
  try {
    const text = await readFile(resolve(ctx.cwd, file), "utf8");
    return text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .join(",");
  } catch {
    throw new UsageError(`--limit @${file}: cannot read ${file}`);
  }
}

/**
 * Run `rollcall play …` in-process and return the exit code, with main.ts's error handling.
 * For tests and the conformance harness until the lead registers the command in main.ts.
 */
export async function runPlayArgv(argv: string[], ctx: CliContext, deps: PlayDeps = {}): Promise<number> {
  let usage: string | undefined;
  try {
    await yargs(["play", ...argv])
      .scriptName("rollcall")
      .command(playCommand(ctx, deps))
      .strict()
      .exitProcess(false)
      .fail((msg, err) => {
        if (err) throw err;
        usage = msg;
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof RollcallError) {
      ctx.stderr(`rollcall: ${err.message}\n`);
      return err.exitCode;
    }
    ctx.stderr(`rollcall: internal error: ${(err as Error).message}\n`);
    return ExitCode.internal;
  }
  if (usage) {
    ctx.stderr(`rollcall: ${usage}\n`);
    return ExitCode.usage;
  }
  return ctx.exitCode;
}
