// What recycle modules need from the run's journal (implemented in src/play/journal/journal.ts and
// handed to modules as `services.journal`). A recycle records its action *before* issuing it,
// so after a crash `--resume` re-attaches to the action in flight instead of issuing it again.

export interface JournalAction {
  /** "spotinst-recycle", "asg-recycle", … */
  kind: string;
  host: string;
  /** When it was issued (ISO 8601). */
  issuedAt: string;
  /** Module-specific, JSON-serialisable, never secret: ids before the action, desired capacity… */
  data: Record<string, unknown>;
}

export interface ActionJournal {
  /** Start of the logical run (the first run, not the resume), ISO 8601. */
  readonly runStartedAt: string;
  /** True when this process resumes an earlier run. */
  readonly resuming: boolean;
  /** The logical run's id, the same in every attempt (leases name their owner by it). */
  readonly runId?: string;
  /** The unfinished action of this kind a previous attempt of this run issued for this host. */
  inFlight(host: string, kind: string): JournalAction | undefined;
  /**
   * Every unfinished action, whatever its host: a replacement whose host left the inventory (its
   * old instance is gone) is found here and finished by the next task on the same group.
   */
  pending?(): JournalAction[];
  /** Record an action about to be issued (flushed to disk before this resolves). */
  recordIssued(host: string, kind: string, data: Record<string, unknown>): Promise<void>;
  /** The action finished (either way): a later resume must not re-attach to it. */
  recordDone(host: string, kind: string, outcome: "ok" | "failed"): Promise<void>;
}

declare module "../modules/types.js" {
  interface PlayServices {
    /** Present for `rollcall play` runs; absent in unit tests that don't need it. */
    journal?: ActionJournal;
    /** Drop the inventory cache entries a recycle made stale. */
    invalidateInventory?: () => Promise<void>;
  }
}
