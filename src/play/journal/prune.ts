// Journal housekeeping: what each journal under $XDG_STATE_HOME/rollcall/journals is (for
// `rollcall play --journals`), and pruning, run at the start of every run that writes a journal.
// A finished run's journal is only history; an unfinished one can be resumed, so it is kept much
// longer — but a run nobody resumed in a month is abandoned (the cloud moved on since).
import { join } from "node:path";
import { kill } from "node:process";
import { ExitCode } from "../../errors.js";
import type { JournalFileInfo, JournalRecord } from "./file.js";
import { listJournals, removeJournal } from "./file.js";

export interface JournalRetention {
  /** A finished journal (the run exited 0) older than this is removed. */
  finishedMaxAgeMs: number;
  /** An unfinished journal (failed, interrupted, killed) untouched this long is abandoned: removed. */
  unfinishedMaxAgeMs: number;
  /** At most this many journals are kept: the oldest finished go first, then the oldest unfinished. */
  maxCount: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The documented defaults (docs/architecture.md, "Run journals"). */
export const DEFAULT_RETENTION: JournalRetention = {
  finishedMaxAgeMs: 7 * DAY_MS,
  unfinishedMaxAgeMs: 30 * DAY_MS,
  maxCount: 50,
};

export type JournalState =
  /** Exit 0: nothing to resume. */
  | "finished"
  /** Ended with failed or unreachable hosts: resumable. */
  | "failed"
  /** Ended by Ctrl-C or SIGTERM: resumable. */
  | "interrupted"
  /** No end record and its process is alive. */
  | "running"
  /** No end record and its process is gone (kill -9, a crash, a second Ctrl-C): resumable. */
  | "abandoned"
  /** Its header is damaged or edited: `--resume` names the damage; pruned like an unfinished one. */
  | "damaged";

export interface JournalSummary {
  file: string;
  state: JournalState;
  playbook: string;
  inventory?: string;
  limit?: string;
  runStartedAt: string;
  /** Time of the newest record (ms since the epoch). */
  lastActivity: number;
  /** Actions issued and not done. */
  inFlight: number;
}

export function journalsDir(stateDir: string): string {
  return join(stateDir, "journals");
}

/** Every journal, oldest first. `isAlive` is a seam for tests (default: signal 0 to the pid). */
export async function describeJournals(
  stateDir: string,
  isAlive: (pid: number) => boolean = processAlive,
): Promise<JournalSummary[]> {
  const all = await listJournals(journalsDir(stateDir));
  return all.map((j) => summarize(j, isAlive));
}

export interface PruneOptions {
  stateDir: string;
  /** The journal of the run starting now: never removed. */
  keep?: string;
  retention?: Partial<JournalRetention>;
  now?: () => number;
  isAlive?: (pid: number) => boolean;
}

/** Remove finished and abandoned journals past the limits; returns the removed files. */
export async function pruneJournals(o: PruneOptions): Promise<string[]> {
  const limits = { ...DEFAULT_RETENTION, ...o.retention };
  const now = (o.now ?? Date.now)();
  const all = await describeJournals(o.stateDir, o.isAlive);
  const candidates = all.filter((j) => j.file !== o.keep && j.state !== "running");
  const doomed = new Set<string>();
  for (const j of candidates) {
    const age = now - j.lastActivity;
    const max = j.state === "finished" ? limits.finishedMaxAgeMs : limits.unfinishedMaxAgeMs;
    if (age > max) doomed.add(j.file);
  }
  // The count limit counts every journal, the kept and running ones included.
  let excess = all.length - doomed.size - limits.maxCount;
  const byAge = (a: JournalSummary, b: JournalSummary) => a.lastActivity - b.lastActivity;
  const finished = candidates.filter((j) => j.state === "finished").sort(byAge);
  const unfinished = candidates.filter((j) => j.state !== "finished").sort(byAge);
  for (const j of [...finished, ...unfinished]) {
    if (excess <= 0) break;
    if (doomed.has(j.file)) continue;
    doomed.add(j.file);
    excess--;
  }
  for (const file of doomed) await removeJournal(file);
  return [...doomed];
}

function summarize(j: JournalFileInfo, isAlive: (pid: number) => boolean): JournalSummary {
  const head = j.records[0];
  if (head?.t !== "run") {
    const started = Date.parse(j.runStartedAt);
    return {
      file: j.file,
      state: "damaged",
      playbook: "?",
      runStartedAt: j.runStartedAt,
      // No readable time: the oldest possible, so the damaged file is the first to go.
      lastActivity: Number.isFinite(started) ? started : 0,
      inFlight: 0,
    };
  }
  const last = [...j.records].reverse().find((r) => r.t === "end" || r.t === "attempt");
  const open = new Set<string>();
  let lastActivity = Date.parse(head.runStartedAt);
  for (const r of j.records) {
    const at = Date.parse("at" in r ? r.at : "issuedAt" in r ? r.issuedAt : "");
    if (Number.isFinite(at)) lastActivity = Math.max(lastActivity, at);
    if (r.t === "issued") open.add(`${r.host}\0${r.kind}`);
    if (r.t === "done") open.delete(`${r.host}\0${r.kind}`);
  }
  return {
    file: j.file,
    state: stateOf(last, isAlive),
    playbook: head.playbook,
    ...(head.inventory !== undefined && { inventory: head.inventory }),
    ...(head.limit !== undefined && { limit: head.limit }),
    runStartedAt: head.runStartedAt,
    lastActivity,
    inFlight: open.size,
  };
}

function stateOf(last: JournalRecord | undefined, isAlive: (pid: number) => boolean): JournalState {
  if (last?.t === "end") {
    if (last.complete) return "finished";
    return last.exitCode === ExitCode.interrupted ? "interrupted" : "failed";
  }
  if (last?.t === "attempt" && isAlive(last.pid)) return "running";
  return "abandoned";
}

function processAlive(pid: number): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
