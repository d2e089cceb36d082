// `rollcall play PLAYBOOK`: arguments → session options, one call to the play layer
// (play/session.ts), and its result → output and exit code. Also owns what only the CLI may
// touch: the terminal (reporter width, colour, live line) and the process's signals.
import { createLogUpdate } from "log-update";
import type { Argv, CommandModule } from "yargs";
import { ExitCode, UsageError } from "../errors.js";
import { describeJournals } from "../play/journal/prune.js";
import { createJsonReporter } from "../play/reporter/json.js";
import { formatInterruptSummary, formatJournalList } from "../play/reporter/session.js";
import { createTextReporter, type LiveLine } from "../play/reporter/text.js";
import { inventoryInputOf, type PlaySessionOptions, startPlaySession } from "../play/session.js";
import { type CliContext, type CliSeams, cacheDirOf, type PlaySeams, stateDirOf } from "./context.js";
import { installInterruptHandlers } from "./interrupts.js";
import { resumeCommand } from "./resume-command.js";
import { SPOTINST_RATE_LIMIT_HELP } from "./spotinst-help.js";

export interface PlayArgs {
  playbook?: string;
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
  journals?: boolean;
}

export function playCommand(ctx: CliContext, seams: CliSeams = {}): CommandModule<object, PlayArgs> {
  return {
    command: "play [playbook]",
    describe: "run the plays of a playbook (Ansible-like)",
    builder: (y: Argv) => playOptions(y).epilogue(SPOTINST_RATE_LIMIT_HELP) as unknown as Argv<PlayArgs>,
    handler: (args) => runPlay(args, ctx, seams.play),
  };
}

function playOptions(y: Argv) {
  return y
    .positional("playbook", { type: "string", describe: "the playbook file" })
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
    })
    .option("journals", {
      type: "boolean",
      describe: "list the run journals (state, age, playbook), run nothing",
    })
    .check((a) => (a.playbook !== undefined || a.journals ? true : "name a playbook (or --journals)"));
}

export async function runPlay(args: PlayArgs, ctx: CliContext, seams: PlaySeams = {}): Promise<void> {
  if (args.journals) return listJournals(args, ctx);
  const playbook = args.playbook!;
  const forks = args.forks ?? 5;
  if (!Number.isInteger(forks) || forks < 1)
    throw new UsageError(`--forks: expected a whole number ≥ 1, got ${args.forks}`);
  const verbosity = args.verbose ?? 0;
  const running = !args["syntax-check"] && !args["list-hosts"] && !args["list-tasks"];
  const controller = new AbortController();
  const session = startPlaySession(sessionOptions(args, ctx, playbook, forks, verbosity), {
    env: ctx.env,
    cwd: ctx.cwd,
    homeDir: ctx.homeDir,
    stateDir: stateDirOf(ctx),
    cacheDir: cacheDirOf(ctx),
    report: args.json ? createJsonReporter(ctx.stdout) : textReporter(ctx, seams, verbosity),
    note: (n) => ctx.stderr(n.level === "warning" ? `[WARNING]: ${n.message}\n` : `${n.message}\n`),
    signal: seams.signal ? AbortSignal.any([seams.signal, controller.signal]) : controller.signal,
    ...(seams.now && { now: seams.now }),
    ...(seams.random && { random: seams.random }),
    ...(seams.loadInventory && { loadInventory: seams.loadInventory }),
    ...(seams.services && { services: seams.services }),
  });
  const resumeLine = `rollcall ${resumeCommand({ ...args, playbook })}`;
  // The in-flight block is printed once: when the run ends, or by a second signal before that.
  let summaryShown = false;
  const showSummary = (inFlight = session.inFlight(), resumable = session.resumable()) => {
    if (summaryShown) return;
    summaryShown = true;
    ctx.stderr(`rollcall: ${formatInterruptSummary(inFlight, resumable ? resumeLine : undefined)}`);
  };
  const exitNow = seams.exitNow ?? ((code: number) => process.exit(code));
  let signalled = false;
  const uninstall = running
    ? installInterruptHandlers({
        onFirst: (signal) => {
          signalled = true;
          const what = signal === "SIGINT" ? "interrupted" : "terminated (SIGTERM)";
          ctx.stderr(`\nrollcall: ${what}: starting nothing new (Ctrl-C again to exit at once)\n`);
          controller.abort();
        },
        onSecond: () => {
          ctx.stderr("\nrollcall: exiting at once; the run journal is kept\n");
          showSummary();
          exitNow(ExitCode.interrupted);
        },
      })
    : () => {};
  try {
    const result = await session.result;
    if (result.kind === "listing") return ctx.stdout(result.text);
    if (result.interrupted) ctx.stderr("rollcall: interrupted\n");
    if (result.journalWriteError)
      ctx.stderr(`[WARNING]: the run journal could not be written: ${result.journalWriteError}\n`);
    if (result.interrupted) showSummary(result.inFlight, result.resumable);
    ctx.exitCode = result.exitCode;
  } finally {
    // After a signal the handlers stay: the run is over, but a task's child that ignores SIGTERM
    // can keep the process alive, and a second Ctrl-C must still end it at once.
    if (!signalled) uninstall();
  }
}

function sessionOptions(
  args: PlayArgs,
  ctx: CliContext,
  playbook: string,
  forks: number,
  verbosity: number,
): PlaySessionOptions {
  const inventory = args.inventory ?? ctx.env.ROLLCALL_CONFIG;
  return {
    playbook,
    ...(inventory && { inventory: inventoryInputOf(inventory) }),
    ...(args.limit !== undefined && { limit: args.limit }),
    extraVars: args["extra-vars"] ?? [],
    check: args.check === true,
    forks,
    verbosity,
    resume: args.resume === true,
    syntaxCheck: args["syntax-check"] === true,
    listHosts: args["list-hosts"] === true,
    listTasks: args["list-tasks"] === true,
    ssh: {
      ...(args.user && { user: args.user }),
      ...(args["private-key"] && { privateKey: args["private-key"] }),
    },
  };
}

function textReporter(ctx: CliContext, seams: PlaySeams, verbosity: number) {
  const tty = ctx.stdoutIsTTY;
  const width = seams.columns ?? process.stdout.columns ?? 80;
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
    showElapsed: seams.showElapsed,
  });
}

/** `rollcall play --journals`: every run journal, oldest first (JSON lines with --json). */
async function listJournals(args: PlayArgs, ctx: CliContext): Promise<void> {
  const journals = await describeJournals(stateDirOf(ctx));
  if (args.json) for (const j of journals) ctx.stdout(`${JSON.stringify(j)}\n`);
  else ctx.stdout(formatJournalList(journals, Date.now()));
}
