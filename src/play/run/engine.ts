// State shared by every part of a run, and small helpers over results and field errors.
import { positionOf } from "../../config/yaml.js";
import { formatPosition, type SourcePosition } from "../../errors.js";
import { renderValue, TemplateError, type TemplateScope } from "../../template/engine.js";
import type { CleanResult, PlayEvent, PlayInfo, TaskInfo, TaskStatus, UnreachableDetail } from "../events.js";
import type { InventoryView } from "../hosts/inventory.js";
import type { ModuleResult, PlayServices } from "../modules/types.js";
import type { PathKey, Play, Playbook, Task } from "../types.js";
import type { VarStore } from "./vars.js";

export interface Engine {
  playbook: Playbook;
  view: InventoryView;
  store: VarStore;
  check: boolean;
  verbosity: number;
  forks: number;
  services: PlayServices;
  /** Ctrl-C: stops every running task and the run. */
  signal: AbortSignal;
  emit: (event: PlayEvent) => void;
  now: () => number;
  random: () => number;
}

/** One task being run for one host. */
export interface TaskRun {
  engine: Engine;
  play: Play;
  playInfo: PlayInfo;
  task: Task;
  info: TaskInfo;
  host: string;
}

/** A task's templated field failed: the message names file:line:col, task and field. */
export class FieldError extends Error {
  constructor(at: SourcePosition, task: string, field: string, message: string) {
    super(`${formatPosition(at)}task "${task}", field "${field}": ${message}`);
  }
}

/** Run `fn`, turning a TemplateError into a FieldError for this task and field. */
export function inField<T>(run: TaskRun, path: PathKey[] | SourcePosition, field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const at = Array.isArray(path) ? positionOf(run.engine.playbook.src, path) : path;
    throw new FieldError(at, run.info.name, field, err.message);
  }
}

/** Render a keyword value (timeout, retries, ignore_errors, delegate_to) for a host. */
export function renderField(run: TaskRun, scope: TemplateScope, key: string, value: unknown): unknown {
  return inField(run, [...run.task.path, key], key, () => renderValue(value, scope));
}

export function statusOf(r: ModuleResult): TaskStatus {
  if (r.unreachable) return "unreachable";
  if (r.failed) return "failed";
  if (r.skipped) return "skipped";
  if (r.changed) return "changed";
  return "ok";
}

/**
 * Where a module result carries why the host was unreachable (an UnreachableDetail). Like
 * Ansible's `_ansible_*` keys it is for rollcall only: never shown, registered or printed.
 */
export const UNREACHABLE_DETAIL = "_rollcall_unreachable";

export function unreachableDetailOf(r: ModuleResult): UnreachableDetail {
  const d = r[UNREACHABLE_DETAIL] as UnreachableDetail | undefined;
  return d ?? { message: typeof r.msg === "string" ? r.msg : "unreachable" };
}

/** Remove internal keys (`_ansible_*` display hints, `_rollcall_*` data) from a result. */
export function cleanResult(r: ModuleResult): { result: CleanResult; verbose: boolean } {
  const result: CleanResult = {};
  for (const [k, v] of Object.entries(r))
    if (!k.startsWith("_ansible_") && !k.startsWith("_rollcall_")) result[k] = v;
  return { result, verbose: r._ansible_verbose_always === true };
}

export function isLocalDelegate(name: string | undefined): boolean {
  return name === undefined || name === "localhost" || name === "127.0.0.1" || name === "::1";
}
