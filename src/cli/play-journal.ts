// `rollcall play`'s run journal, resume, Ctrl-C and inventory-cache wiring (kept out of play.ts so
// that file stays about arguments and reporters). Only cli/ prints or touches the process.
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { PlayEvent, PlayInfo } from "../play/events.js";
import { openRunJournal, type RunJournal } from "../play/journal/journal.js";
import { createSpotinstClientPool } from "../play/recycle/spotinst-client.js";
import type { PreparedRun } from "../play/run/prepare.js";
import type { CliContext } from "./context.js";
import { stateDirOf } from "./context.js";

export interface JournalArgs {
  playbook: string;
  inventory?: string;
  limit?: string;
  "extra-vars"?: string[];
  check?: boolean;
  resume?: boolean;
  forks?: number;
  verbose?: number;
}

export interface RunWiring {
  journal: RunJournal | undefined;
  skipHost: (play: PlayInfo, host: string) => string | undefined;
  runFirst: (play: PlayInfo, host: string) => boolean;
  /** Feed every runner event through this before the reporter: the journal records host_done. */
  observe: (event: PlayEvent) => void;
  /** Write the end record; after Ctrl-C also print what is in flight and how to resume. */
  finish: (exitCode: number, interrupted: boolean) => Promise<void>;
  /** Ctrl-C's first press: what is in flight and the resume command, printed at once. */
  interruptNotice: () => string;
}

export const SKIP_REASON = "already done in the interrupted run";

export async function wireRunJournal(
  args: JournalArgs,
  inventorySpec: string | undefined,
  prepared: PreparedRun,
  ctx: CliContext,
): Promise<RunWiring> {
  let journal: RunJournal | undefined;
  try {
    const opened = await openRunJournal(journalOptions(args, inventorySpec, ctx, args.check === true));
    journal = opened.journal;
    if (opened.earlierUnfinished) {
      ctx.stderr(
        `[WARNING]: an earlier run of this play did not finish (started ${opened.earlierUnfinished.runStartedAt}); ` +
          "rerun with --resume to continue it\n",
      );
    }
  } catch (err) {
    // An untrusted state directory or a damaged journal is refused, not worked around.
    if (args.resume || err instanceof UsageError) throw err;
    ctx.stderr(`[WARNING]: no run journal (${(err as Error).message}): this run cannot be resumed\n`);
  }
  const idOf = (host: string) => {
    const id = prepared.view.vars.get(host)?.spotinst_id;
    return typeof id === "string" ? id : undefined;
  };
  const resumeLine = `rollcall ${resumeCommand(args)}`;
  const inFlight = () =>
    (journal?.pending() ?? []).map((a) => {
      const prev = (a.data.previous ?? {}) as Record<string, unknown>;
      const what = [a.data.ssiId, a.data.host, prev.instanceId]
        .filter((x) => typeof x === "string")
        .join(" ");
      return `  ${a.kind} of ${what || a.host}, issued at ${a.issuedAt} (it goes on in the cloud)\n`;
    });
  const notice = () => {
    const flying = inFlight();
    return (
      (flying.length > 0 ? `in flight:\n${flying.join("")}` : "nothing in flight\n") +
      (journal && args.check !== true ? `resume with: ${resumeLine}\n` : "")
    );
  };
  // Actions left in flight by the interrupted run, keyed as their modules key them: a host name,
  // or (spotinst_stateful) the SSI id. Those hosts run first in the resumed run.
  const inFlightKeys = new Set(journal?.resuming ? journal.pending().map((a) => a.host) : []);
  return {
    journal,
    runFirst: (_play, host) => inFlightKeys.has(host) || inFlightKeys.has(idOf(host) ?? "\0"),
    skipHost: (play, host) =>
      journal?.resuming && journal.finishedEarlier(play.index, host, idOf(host)) ? SKIP_REASON : undefined,
    observe: (e) => {
      if (e.type === "host_done") journal?.hostDone(e.play.index, e.host, idOf(e.host), e.outcome);
    },
    async finish(exitCode, interrupted) {
      if (!journal) return;
      if (args.check !== true) await journal.finish(exitCode);
      if (journal.writeError)
        ctx.stderr(`[WARNING]: the run journal could not be written: ${journal.writeError.message}\n`);
      if (interrupted) ctx.stderr(`rollcall: ${notice()}`);
    },
    interruptNotice: notice,
  };
}

function journalOptions(
  args: JournalArgs,
  inventorySpec: string | undefined,
  ctx: CliContext,
  readOnly: boolean,
) {
  return {
    stateDir: stateDirOf(ctx),
    run: {
      playbook: resolve(ctx.cwd, args.playbook),
      ...(inventorySpec !== undefined && { inventory: inventoryKey(inventorySpec, ctx) }),
      ...(args.limit !== undefined && { limit: args.limit }),
      extraVars: args["extra-vars"] ?? [],
    },
    resume: args.resume === true,
    readOnly,
  };
}

/**
 * --resume, before the inventory is loaded: wait for the Spotinst actions the interrupted run
 * left in flight (see spotinst-settle.ts). Also fails early when there is nothing to resume.
 */
export async function settleBeforeResume(
  args: JournalArgs,
  inventorySpec: string | undefined,
  ctx: CliContext,
  signal: AbortSignal,
): Promise<void> {
  const { journal } = await openRunJournal(journalOptions(args, inventorySpec, ctx, true));
  const pending = journal.pending();
  if (pending.length === 0 || args.check) return;
  const { settleSpotinstInFlight } = await import("../play/recycle/spotinst-settle.js");
  const pool = createSpotinstClientPool({ env: ctx.env, homeDir: ctx.homeDir, signal });
  await settleSpotinstInFlight(pending, pool, { signal, note: (m) => ctx.stderr(`resume: ${m}\n`) });
}

/** The play's services that talk to Spotinst and the inventory cache. */
export function runServices(ctx: CliContext, signal: AbortSignal, verbosity: number) {
  const spotinst = createSpotinstClientPool({
    env: ctx.env,
    homeDir: ctx.homeDir,
    signal,
    onRetry: (i) => {
      if (verbosity >= 2)
        ctx.stderr(
          `spotinst: retrying ${i.operation} (${i.reason}; attempt ${i.attempt}/${i.maxAttempts})\n`,
        );
    },
  });
  return { spotinst };
}

/**
 * Cache invalidation for a recycle: the inventory loader reports the cache keys it used; a
 * recycle deletes them (one at a time, in order), so the next `inventory --list` or play sees the
 * new instance instead of a dead address.
 */
export function createCacheInvalidator(cacheDir: string) {
  let keys: string[] = [];
  let chain: Promise<void> = Promise.resolve();
  return {
    onCacheKeys: (k: string[]) => {
      keys = [...new Set([...keys, ...k])];
    },
    invalidate(): Promise<void> {
      if (keys.length === 0) return chain;
      chain = chain.then(async () => {
        const { openSourceCache } = await import("../cache/source-cache.js");
        const cache = await openSourceCache({ dir: cacheDir });
        try {
          await cache.delete(keys);
        } finally {
          await cache.close();
        }
      });
      chain = chain.catch(() => {});
      return chain;
    },
  };
}

/** Ctrl-C once: abort the run; twice: leave at once. */
export function installInterruptHandlers(
  controller: AbortController,
  onFirst: () => void,
  exitNow: (code: number) => void,
): () => void {
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      onFirst();
      controller.abort();
    } else exitNow(130);
  };
  const onSigterm = () => controller.abort();
  process.on("SIGINT", onSigint);
  process.once("SIGTERM", onSigterm);
  return () => {
    process.removeListener("SIGINT", onSigint);
    process.removeListener("SIGTERM", onSigterm);
  };
}

function inventoryKey(spec: string, ctx: CliContext): string {
  return spec.includes(",") ? spec : resolve(ctx.cwd, spec);
}

/** The command that resumes this run. Secret-looking -e values are not echoed. */
export function resumeCommand(args: JournalArgs): string {
  const parts = ["play", args.playbook];
  if (args.inventory !== undefined) parts.push("-i", args.inventory);
  if (args.limit !== undefined) parts.push("--limit", args.limit);
  for (const e of args["extra-vars"] ?? []) parts.push("-e", redactExtraVar(e));
  if (args.forks !== undefined && args.forks !== 5) parts.push("--forks", String(args.forks));
  parts.push("--resume");
  return parts.map(shellQuote).join(" ");
}

const SECRETISH = /token|secret|passw|private|credential|api_?key/i;

function redactExtraVar(e: string): string {
  if (!SECRETISH.test(e)) return e;
  const kv = /^([A-Za-z_][\w]*)=/.exec(e);
  return kv ? `${kv[1]}=<redacted: give the same value>` : "<redacted: give the same -e value>";
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
