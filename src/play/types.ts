// The parsed, validated play model. Everything here comes from the playbook file and carries
// source positions, so runtime errors can still say file:line:col.
import type { YamlSource } from "../config/yaml.js";
import type { SourcePosition } from "../errors.js";
import type { Vars } from "../inventory/model.js";
import type { ModuleDef } from "./modules/types.js";

export type PathKey = string | number;

export interface Playbook {
  /** The path as the user gave it (used in messages). */
  file: string;
  /** Absolute directory of the playbook: base for vars_files. */
  dir: string;
  src: YamlSource;
  plays: Play[];
}

export const HOST_ORDERS = [
  "inventory",
  "sorted",
  "reverse_sorted",
  "reverse_inventory",
  "shuffle",
  "oldest_first",
] as const;
export type HostOrder = (typeof HOST_ORDERS)[number];

/** One `serial` entry: a host count or a percentage string like "30%". */
export type SerialStep = number | string;

export interface Play {
  index: number;
  path: PathKey[];
  at: SourcePosition;
  /** Display name: `name`, else the host pattern (as Ansible does). */
  name: string;
  hosts: string;
  hostsAt: SourcePosition;
  /** Empty: one batch with every host. */
  serial: SerialStep[];
  order: HostOrder;
  vars: Vars;
  varsFiles: { path: string; at: SourcePosition }[];
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  checkMode?: boolean;
  connection: "local" | "ssh";
  ssh?: Record<string, unknown>;
  tasks: TaskNode[];
  /** Every task in pre-order (block, rescue, always): the lockstep order. */
  allTasks: Task[];
}

/** A `when`/`until`/`changed_when`/`failed_when` entry: a bare expression or a template. */
export interface Condition {
  expr: string | boolean | number;
  at: SourcePosition;
  /** The field name for messages, e.g. "when". */
  field: string;
}

/** A value that may still be a template string, resolved per host at run time. */
export type Templatable<T> = T | string;

export interface Task {
  kind: "task";
  /** Position in `Play.allTasks`. */
  index: number;
  path: PathKey[];
  at: SourcePosition;
  /** The `name:` as written (may contain templates); undefined when absent. */
  name?: string;
  /** Canonical module name (aliases resolved). */
  action: string;
  /** The key as written in the play (may be an alias). */
  actionKey: string;
  module: ModuleDef;
  args: Record<string, unknown>;
  argsPath: PathKey[];
  register?: string;
  loop?: unknown;
  until: Condition[];
  retries?: Templatable<number>;
  delay?: Templatable<number>;
  changedWhen: Condition[];
  failedWhen: Condition[];
  /** Inherited from enclosing blocks, then the task's own. */
  when: Condition[];
  ignoreErrors: Templatable<boolean>;
  anyErrorsFatal: boolean;
  delegateTo?: string;
  checkMode?: boolean;
  timeout?: Templatable<number>;
  /** `become` from the task, its blocks or the play; undefined: the host's `ansible_become`. */
  become?: boolean;
  /** May be a template (rendered per host). */
  becomeUser?: string;
  /** `environment:` of the play, its blocks and the task, inner ones winning; values may be templates. */
  environment: Record<string, Templatable<string | number | boolean>>;
  /** A failure here is caught by an enclosing block's `rescue` (counted as rescued). */
  rescuable: boolean;
  /** The task sits in a `rescue` or `always` section (any_errors_fatal spares such hosts). */
  inRecovery: boolean;
  /** Inside a `rescue`: `ansible_failed_task`/`ansible_failed_result` are defined. */
  inRescue: boolean;
}

export interface Block {
  kind: "block";
  path: PathKey[];
  at: SourcePosition;
  name?: string;
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
}

export type TaskNode = Task | Block;

/** Display name of a task before templating: its name, else the module (as Ansible). */
export function taskLabel(task: Task): string {
  return task.name ?? task.action;
}
