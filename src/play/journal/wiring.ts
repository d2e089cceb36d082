// A session's run journal: opened before the run (or resumed), fed `host_done` events, told which
// hosts to skip or run first on --resume, and closed with the run's exit code. Also the settling
// step of --resume (wait for the Spotinst actions the interrupted run left in flight). Nothing
// here prints: warnings go to `note`, and what is in flight is returned as data.
import type { PlayEvent, PlayInfo } from "../events.js";
import type { JournalAction } from "../recycle/journal-port.js";
import { createSpotinstClientPool } from "../recycle/spotinst-client.js";
import type { PreparedRun } from "../run/prepare.js";
import { type LogicalRun, openRunJournal, type RunJournal } from "./journal.js";
import { type JournalRetention, pruneJournals } from "./prune.js";
import { UntrustedPathError } from "./trust.js";

export const SKIP_REASON = "already done in the interrupted run";

/** An action issued by this run (or the interrupted one) that has not finished: it goes on in the cloud. */
export interface InFlightAction {
  /** "spotinst-recycle", "asg-recycle", … */
  kind: string;
  /** What it acts on, most specific first: SSI id, host, old instance id. */
  subject: string;
  issuedAt: string;
}

export interface JournalSetup {
  stateDir: string;
  run: LogicalRun;
  resume: boolean;
  /** --check: read the journal (to skip what is done) but write nothing. */
  check: boolean;
  retention?: Partial<JournalRetention>;
  warn: (message: string) => void;
  now?: () => number;
}

export interface RunWiring {
  journal: RunJournal | undefined;
  skipHost: (play: PlayInfo, host: string) => string | undefined;
  runFirst: (play: PlayInfo, host: string) => boolean;
  /** Feed every runner event through this before the reporter: the journal records host_done. */
  observe: (event: PlayEvent) => void;
  /** Write the end record (not in --check); resolves to the first write error, if any. */
  finish: (exitCode: number) => Promise<Error | undefined>;
  /** What is in flight right now (also usable from a signal handler: synchronous). */
  inFlight: () => InFlightAction[];
  /** A journal is being written: `--resume` can continue this run. */
  resumable: boolean;
}

export async function wireRunJournal(setup: JournalSetup, prepared: PreparedRun): Promise<RunWiring> {
  let journal: RunJournal | undefined;
  try {
    const opened = await openRunJournal(openOptions(setup, setup.check));
    journal = opened.journal;
    if (opened.earlierUnfinished) {
      setup.warn(
        `an earlier run of this play did not finish (started ${opened.earlierUnfinished.runStartedAt}); ` +
          "rerun with --resume to continue it",
      );
    }
    if (!setup.check)
      await pruneJournals({ stateDir: setup.stateDir, keep: journal.file, retention: setup.retention });
  } catch (err) {
    // An untrusted state directory is refused, not worked around by running without a journal.
    if (setup.resume || err instanceof UntrustedPathError) throw err;
    setup.warn(`no run journal (${(err as Error).message}): this run cannot be resumed`);
  }
  const idOf = (host: string) => {
    const id = prepared.view.vars.get(host)?.spotinst_id;
    return typeof id === "string" ? id : undefined;
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
    async finish(exitCode) {
      if (!journal) return undefined;
      if (!setup.check) await journal.finish(exitCode);
      return journal.writeError;
    },
    inFlight: () => (journal?.pending() ?? []).map(describeAction),
    resumable: journal !== undefined && !setup.check,
  };
}

function describeAction(a: JournalAction): InFlightAction {
  const prev = (a.data.previous ?? {}) as Record<string, unknown>;
  const subject = [a.data.ssiId, a.data.host, prev.instanceId].filter((x) => typeof x === "string").join(" ");
  return { kind: a.kind, subject: subject || a.host, issuedAt: a.issuedAt };
}

function openOptions(setup: JournalSetup, readOnly: boolean) {
  return {
    stateDir: setup.stateDir,
    run: setup.run,
    resume: setup.resume,
    readOnly,
    ...(setup.now && { now: setup.now }),
  };
}

export interface SettleSetup {
  env: Record<string, string | undefined>;
  homeDir: string;
  signal: AbortSignal;
  /** One line per action: what is waited for and how it ended. */
  note: (message: string) => void;
  /** Told what is in flight before the wait starts (an interrupt during the wait reports it). */
  onPending?: (actions: InFlightAction[]) => void;
}

/**
 * --resume, before the inventory is loaded: wait for the Spotinst actions the interrupted run
 * left in flight (see spotinst-settle.ts). Also fails early when there is nothing to resume.
 * Returns what was in flight, for the interrupt notice should the wait be interrupted.
 */
export async function settleBeforeResume(setup: JournalSetup, s: SettleSetup): Promise<InFlightAction[]> {
  const { journal } = await openRunJournal(openOptions(setup, true));
  const pending = journal.pending();
  if (pending.length === 0 || setup.check) return [];
  s.onPending?.(pending.map(describeAction));
  const { settleSpotinstInFlight } = await import("../recycle/spotinst-settle.js");
  const pool = createSpotinstClientPool({ env: s.env, homeDir: s.homeDir, signal: s.signal });
  await settleSpotinstInFlight(pending, pool, { signal: s.signal, note: s.note });
  // What was in flight when settling began (an interrupt while waiting leaves it so).
  return pending.map(describeAction);
}
