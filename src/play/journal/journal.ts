// The run journal behind `--resume` (implements the modules' ActionJournal port). One logical run
// = playbook + inventory + limit + extra vars; its journal records the run's start, each host that
// finished a play, and every recycle-type action before it is issued and once it is done. A resumed
// run skips hosts finished in a play and lets modules re-attach to actions still in flight. It
// never holds vars, tokens or command lines: only names, ids, states and times.

import { join } from "node:path";
import { pid as processId } from "node:process";
import { InputError, SetupError, UsageError } from "../../errors.js";
import type { HostOutcome } from "../events.js";
import type { ActionJournal, JournalAction } from "../recycle/journal-port.js";
import {
  ensureDir,
  type JournalFileInfo,
  type JournalRecord,
  type JournalWriter,
  journalKey,
  listJournals,
  openWriter,
  removeJournal,
  type TornRecord,
} from "./file.js";

export interface LogicalRun {
  /** Absolute playbook path. */
  playbook: string;
  /** The -i value as resolved (absolute config path or host list). */
  inventory?: string;
  limit?: string;
  /** The raw -e arguments: hashed into the key, never stored. */
  extraVars: readonly string[];
}

export interface OpenJournalOptions {
  /** $XDG_STATE_HOME/rollcall */
  stateDir: string;
  run: LogicalRun;
  resume: boolean;
  /** --check: read the journal (to skip what is done) but write nothing. */
  readOnly: boolean;
  now?: () => number;
  pid?: number;
}

export interface OpenedJournal {
  journal: RunJournal;
  /** Not resuming, but an unfinished journal of the same logical run exists. */
  earlierUnfinished?: { runStartedAt: string };
}

export async function openRunJournal(o: OpenJournalOptions): Promise<OpenedJournal> {
  const now = o.now ?? Date.now;
  const dir = join(o.stateDir, "journals");
  const key = await journalKey(dir, [
    o.run.playbook,
    o.run.inventory ?? "",
    o.run.limit ?? "",
    o.run.extraVars,
  ]);
  const all = await listJournals(dir, key);
  const unfinished = all.filter((j) => !j.complete).at(-1);
  const pid = o.pid ?? processId;
  const attempt = (resume: boolean): JournalRecord => ({
    t: "attempt",
    at: new Date(now()).toISOString(),
    pid,
    resume,
    check: o.readOnly,
  });
  if (o.resume) {
    if (!unfinished) {
      throw new UsageError(
        "--resume: no unfinished run of this playbook with this inventory, --limit and -e to resume",
      );
    }
    if (unfinished.problem) {
      throw new InputError(
        `--resume: journal ${unfinished.file}: ${unfinished.problem}: it was damaged or edited, so it cannot say what the run did; check the cloud, then remove that file to start the run afresh`,
      );
    }
    const writer = o.readOnly ? undefined : await openWriter(unfinished.file, false);
    if (unfinished.torn && !unfinished.torn.acknowledged && writer) {
      // Once: after this record, the same command resumes (the user has been told to look).
      await writer.append({ t: "torn", at: new Date(now()).toISOString(), line: unfinished.torn.line }, true);
      await writer.close();
      throw new SetupError(`--resume: ${describeTorn(unfinished.file, unfinished.torn)}`);
    }
    const journal = new RunJournal(
      unfinished.runStartedAt,
      true,
      unfinished.records,
      writer,
      now,
      unfinished.file,
    );
    await journal.write(attempt(true), true);
    return { journal };
  }
  if (!o.readOnly) {
    // Finished journals of this run are history nobody resumes: keep the directory small.
    for (const j of all) if (j.complete) await removeJournal(j.file);
  }
  const runStartedAt = new Date(now()).toISOString();
  let writer: JournalWriter | undefined;
  let file: string | undefined;
  if (!o.readOnly) {
    await ensureDir(dir);
    const stamp = runStartedAt.replace(/[-:.]/g, "");
    file = join(dir, `${key}.${stamp}-${pid}.jsonl`);
    writer = await openWriter(file, true);
  }
  const journal = new RunJournal(runStartedAt, false, [], writer, now, file);
  await journal.write(
    {
      t: "run",
      v: 1,
      runStartedAt,
      playbook: o.run.playbook,
      ...(o.run.inventory !== undefined && { inventory: o.run.inventory }),
      ...(o.run.limit !== undefined && { limit: o.run.limit }),
      pid,
    },
    true,
  );
  await journal.write(attempt(false), true);
  return { journal, ...(unfinished && { earlierUnfinished: { runStartedAt: unfinished.runStartedAt } }) };
}

function describeTorn(file: string, torn: TornRecord): string {
  const what = [torn.type && `"${torn.type}" record`, torn.kind, torn.host && `for ${torn.host}`]
    .filter(Boolean)
    .join(" ");
  return (
    `the last record of journal ${file} (line ${torn.line}${what ? `: ${what}` : ""}) was cut short by a crash, ` +
    "so the state of what it recorded is unknown: check the cloud before continuing (is an action still " +
    "running, did it finish?), then run the same command again to resume"
  );
}

export class RunJournal implements ActionJournal {
  private readonly records: JournalRecord[];
  /** play index → host names / stable ids finished ok in an earlier attempt. */
  private readonly doneNames = new Map<number, Set<string>>();
  private readonly doneIds = new Map<number, Set<string>>();
  private failure: Error | undefined;

  constructor(
    readonly runStartedAt: string,
    readonly resuming: boolean,
    loaded: JournalRecord[],
    private readonly writer: JournalWriter | undefined,
    private readonly now: () => number,
    /** The journal file (absent for a --check run that writes none). */
    readonly file?: string,
  ) {
    this.records = [...loaded];
    for (const r of loaded) {
      if (r.t !== "host_done" || r.outcome !== "ok") continue;
      const into = (m: Map<number, Set<string>>, v: string) => {
        const set = m.get(r.play) ?? new Set<string>();
        m.set(r.play, set);
        set.add(v);
      };
      into(this.doneNames, r.host);
      if (r.id) into(this.doneIds, r.id);
    }
  }

  /** A write failed (disk full, …): the session reports it; the run itself carries on. */
  get writeError(): Error | undefined {
    return this.failure;
  }

  /**
   * Finished ok in this play by an earlier attempt. A host with a stable id (its SSI id) is
   * matched by id only: its name is an IP that a recycle changes and another instance may reuse.
   */
  finishedEarlier(play: number, host: string, id: string | undefined): boolean {
    if (id !== undefined) return this.doneIds.get(play)?.has(id) === true;
    return this.doneNames.get(play)?.has(host) === true;
  }

  hostDone(play: number, host: string, id: string | undefined, outcome: HostOutcome): void {
    const at = new Date(this.now()).toISOString();
    void this.write({ t: "host_done", at, play, host, ...(id !== undefined && { id }), outcome }, false);
  }

  inFlight(host: string, kind: string): JournalAction | undefined {
    let open: JournalAction | undefined;
    for (const r of this.records) {
      if ((r.t !== "issued" && r.t !== "done") || r.host !== host || r.kind !== kind) continue;
      open =
        r.t === "issued" ? { kind: r.kind, host: r.host, issuedAt: r.issuedAt, data: r.data } : undefined;
    }
    return open;
  }

  /** Every action issued and not done: what Ctrl-C leaves running in the cloud. */
  pending(): JournalAction[] {
    const open = new Map<string, JournalAction>();
    for (const r of this.records) {
      if (r.t === "issued")
        open.set(`${r.host}\0${r.kind}`, { kind: r.kind, host: r.host, issuedAt: r.issuedAt, data: r.data });
      else if (r.t === "done") open.delete(`${r.host}\0${r.kind}`);
    }
    return [...open.values()];
  }

  async recordIssued(host: string, kind: string, data: Record<string, unknown>): Promise<void> {
    const issuedAt = new Date(this.now()).toISOString();
    // Unlike hostDone, a failed write here must stop the action: without the record a crash
    // would lead a resume to issue it again.
    const error = await this.write({ t: "issued", host, kind, issuedAt, data }, true);
    if (error) throw error;
  }

  async recordDone(host: string, kind: string, outcome: "ok" | "failed"): Promise<void> {
    await this.write({ t: "done", at: new Date(this.now()).toISOString(), host, kind, outcome }, true);
  }

  /** Exit 0 marks the run complete; anything else (failures, Ctrl-C) leaves it resumable. */
  async finish(exitCode: number): Promise<void> {
    await this.write(
      { t: "end", at: new Date(this.now()).toISOString(), exitCode, complete: exitCode === 0 },
      true,
    );
    await this.writer?.close();
  }

  /** Append a record; resolves to the write error, if any (also kept in `writeError`). */
  async write(record: JournalRecord, sync: boolean): Promise<Error | undefined> {
    this.records.push(record);
    if (!this.writer) return undefined;
    try {
      await this.writer.append(record, sync);
      return undefined;
    } catch (err) {
      this.failure ??= err as Error;
      return err as Error;
    }
  }
}

export type { JournalFileInfo };
