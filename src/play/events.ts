// What the runner tells the outside world. The runner only emits these and returns a
// PlayResult; reporters (text, JSON) turn them into output, and the journal (for --resume)
// records `host_done` / `batch_end`.

export type TaskStatus = "ok" | "changed" | "failed" | "skipped" | "unreachable";

export interface PlayInfo {
  index: number;
  name: string;
}

export interface TaskInfo {
  /** Position in the play's pre-order task list. */
  index: number;
  /** The name with play-level variables rendered (Ansible does the same for banners). */
  name: string;
  action: string;
  /** file:line:col of the task. */
  path: string;
  checkMode: boolean;
  loop: boolean;
}

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type HostOutcome = "ok" | "failed" | "unreachable";

/** Why a host was unreachable, as data: the SSH transport's reason and the hop that failed. */
export interface UnreachableDetail {
  /** The one-line message also shown in the task's result. */
  message: string;
  /** "refused", "timeout", "auth", "host-key-mismatch", … (cloud/ssh/errors.ts); absent when not SSH. */
  reason?: string;
  /** Which hop failed: the bastion, or the target (directly or through the bastion). */
  hop?: "target" | "bastion";
}

/** A module result as shown and registered: Ansible's internal `_ansible_*` keys removed. */
export type CleanResult = Record<string, unknown>;

interface HostTaskEvent {
  play: PlayInfo;
  task: TaskInfo;
  host: string;
  /** delegate_to, when it names another machine. */
  delegate?: string;
}

export type PlayEvent =
  | { type: "playbook_start"; file: string; plays: number; check: boolean }
  | { type: "play_start"; play: PlayInfo; hosts: string[]; check: boolean }
  | { type: "warning"; message: string }
  | { type: "no_hosts_matched"; play: PlayInfo }
  | { type: "batch_start"; play: PlayInfo; batch: number; batches: number; hosts: string[] }
  | { type: "task_start"; play: PlayInfo; task: TaskInfo; hosts: string[] }
  | (HostTaskEvent & { type: "task_message"; message: string })
  | (HostTaskEvent & { type: "task_progress"; message: string; elapsedMs: number; timeoutMs?: number })
  | (HostTaskEvent & {
      type: "task_retry";
      attempt: number;
      retries: number;
      retriesLeft: number;
      verbose: boolean;
      result: CleanResult;
    })
  | (HostTaskEvent & {
      type: "item_result";
      item: unknown;
      status: TaskStatus;
      verbose: boolean;
      result: CleanResult;
    })
  | (HostTaskEvent & {
      type: "task_result";
      status: TaskStatus;
      /** A failure that ignore_errors turned into ok. */
      ignored: boolean;
      /** A failure caught by a block's rescue. */
      rescued: boolean;
      /** The module asked for its result to be shown even without -v (debug, assert). */
      verbose: boolean;
      result: CleanResult;
      durationMs: number;
    })
  | {
      type: "no_more_hosts";
      play: PlayInfo;
      reason: "max_fail_percentage" | "any_errors_fatal" | "all_failed";
    }
  | { type: "host_done"; play: PlayInfo; host: string; outcome: HostOutcome; unreachable?: UnreachableDetail }
  /** --resume: the host finished this play in the interrupted run and is not run again. */
  | { type: "host_skipped"; play: PlayInfo; host: string; reason: string }
  | { type: "batch_end"; play: PlayInfo; batch: number; hosts: Record<string, HostOutcome> }
  | { type: "play_end"; play: PlayInfo }
  | {
      type: "playbook_end";
      stats: Record<string, HostStats>;
      exitCode: number;
      elapsedMs: number;
      interrupted: boolean;
    };

export type PlayEventType = PlayEvent["type"];

export interface PlayResult {
  /** Ansible's: 0 ok, 2 failed hosts, 4 unreachable hosts; 99 when interrupted (Ctrl-C). */
  exitCode: number;
  /** Recap per host that ran anything, sorted by host name. */
  stats: Record<string, HostStats>;
  failedHosts: string[];
  unreachableHosts: string[];
  /** Why each unreachable host was unreachable. */
  unreachable: Record<string, UnreachableDetail>;
  elapsedMs: number;
  interrupted: boolean;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
