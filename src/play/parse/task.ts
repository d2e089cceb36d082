// Tasks and blocks: find the one module of a task, normalize its arguments, validate keywords

// and parameters, and pass block keywords (when, ignore_errors, …) down to the tasks inside.
import { describeValue, keyPositionOf, positionOf, validate } from "../../config/yaml.js";
import { didYouMean, withHints } from "../../errors.js";
import { isTemplate } from "../../template/engine.js";
import { findModule, moduleNames } from "../modules/index.js";
import { toBoolean } from "../modules/params.js";
import type { ModuleDef } from "../modules/types.js";
import type { Block, Condition, PathKey, Task, TaskNode, Templatable } from "../types.js";
import { checkTemplates, normalizeArgs, type TaskParser, validateArgs } from "./args.js";
import { BLOCK_KEYWORDS, blockSchema, TASK_KEYWORDS, taskKeywordSchema } from "./schema.js";

/** What a block hands down to the tasks it contains. */
export interface Inherited {
  when: Condition[];
  ignoreErrors?: Templatable<boolean>;
  anyErrorsFatal: boolean;
  delegateTo?: string;
  checkMode?: boolean;
  timeout?: Templatable<number>;
  become?: boolean;
  becomeUser?: string;
  environment?: Record<string, Templatable<string | number | boolean>>;
  rescuable: boolean;
  inRecovery: boolean;
  inRescue: boolean;
}

export type { TaskParser };
export { checkTemplates };

type Raw = Record<string, unknown>;

export function parseTaskList(p: TaskParser, value: unknown, path: PathKey[], inh: Inherited): TaskNode[] {
  if (value === null || value === undefined) return [];
  const out: TaskNode[] = [];
  (value as unknown[]).forEach((item, i) => {
    const node = parseTaskNode(p, item, [...path, i], inh);
    if (node) out.push(node);
  });
  return out;
}

function parseTaskNode(p: TaskParser, value: unknown, path: PathKey[], inh: Inherited): TaskNode | undefined {
  const at = positionOf(p.src, path);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    p.issues.push({ message: `expected a task (a mapping), got ${describeValue(value)}`, at });
    return undefined;
  }
  const raw = value as Raw;
  if ("block" in raw) return parseBlock(p, raw, path, inh);
  for (const key of ["rescue", "always"]) {
    if (key in raw)
      p.issues.push({
        message: `"${key}" needs a "block" in the same task`,
        at: keyPositionOf(p.src, path, key),
      });
  }
  return parseTask(p, raw, path, inh);
}

function parseBlock(p: TaskParser, raw: Raw, path: PathKey[], inh: Inherited): Block | undefined {
  const checkedRaw = validate(blockSchema, p.src, { value: raw, basePath: path });
  if (!checkedRaw.ok) {
    const issues = withHints(checkedRaw.issues, [...BLOCK_KEYWORDS]);
    p.issues.push(...issues.map((i) => ({ ...i, message: `block: ${i.message}` })));
    return undefined;
  }
  const own = inherit(p, raw, path, inh);
  const hasRescue = Array.isArray(raw.rescue) && raw.rescue.length > 0;
  const block = parseTaskList(p, raw.block, [...path, "block"], {
    ...own,
    rescuable: inh.rescuable || hasRescue,
  });
  const rescue = parseTaskList(p, raw.rescue, [...path, "rescue"], {
    ...own,
    inRecovery: true,
    inRescue: true,
  });
  const always = parseTaskList(p, raw.always, [...path, "always"], { ...own, inRecovery: true });
  return {
    kind: "block",
    path,
    at: positionOf(p.src, path),
    name: raw.name as string | undefined,
    block,
    rescue,
    always,
  };
}

function parseTask(p: TaskParser, raw: Raw, path: PathKey[], inh: Inherited): Task | undefined {
  const found = findAction(p, raw, path);
  if (!found) return undefined;
  const { key: actionKey, module } = found;
  const keywords: Raw = {};
  // Unknown keys were reported by findAction already.
  for (const [k, v] of Object.entries(raw)) if (k !== actionKey && TASK_KEYWORDS.has(k)) keywords[k] = v;
  const kw = validate(taskKeywordSchema, p.src, { value: keywords, basePath: path });
  if (!kw.ok) p.issues.push(...kw.issues);
  const argsPath = [...path, actionKey];
  const args = normalizeArgs(p, module, actionKey, raw[actionKey], argsPath);
  if (args) validateArgs(p, module, actionKey, args, argsPath);
  if (!kw.ok || !args) return undefined;
  const own = inherit(p, raw, path, inh);
  checkTemplates(p, raw.loop, [...path, "loop"], "loop");
  for (const k of ["retries", "delay"]) checkTemplates(p, raw[k], [...path, k], k);
  const task: Task = {
    kind: "task",
    index: p.allTasks.length,
    path,
    at: positionOf(p.src, path),
    name: raw.name as string | undefined,
    action: module.name,
    actionKey,
    module,
    args,
    argsPath,
    register: raw.register as string | undefined,
    loop: raw.loop,
    until: conditions(p, raw.until, path, "until"),
    retries: numberish(raw.retries),
    delay: numberish(raw.delay),
    changedWhen: conditions(p, raw.changed_when, path, "changed_when"),
    failedWhen: conditions(p, raw.failed_when, path, "failed_when"),
    when: own.when,
    ignoreErrors: own.ignoreErrors ?? false,
    anyErrorsFatal: own.anyErrorsFatal,
    delegateTo: own.delegateTo,
    checkMode: own.checkMode,
    timeout: own.timeout,
    become: own.become,
    becomeUser: own.becomeUser,
    environment: own.environment ?? {},
    rescuable: inh.rescuable,
    inRecovery: inh.inRecovery,
    inRescue: inh.inRescue,
  };
  p.allTasks.push(task);
  return task;
}

/** The one key of a task that names a module. */
function findAction(
  p: TaskParser,
  raw: Raw,
  path: PathKey[],
): { key: string; module: ModuleDef } | undefined {
  const actions: { key: string; module: ModuleDef }[] = [];
  let bad = false;
  for (const key of Object.keys(raw)) {
    if (TASK_KEYWORDS.has(key)) continue;
    const module = findModule(key);
    if (module) actions.push({ key, module });
    else {
      bad = true;
      const h = didYouMean(key, [...TASK_KEYWORDS, ...BLOCK_KEYWORDS, ...moduleNames()]);
      p.issues.push({
        message: `unknown task keyword or module "${key}"${h}`,
        at: keyPositionOf(p.src, path, key),
      });
    }
  }
  if (actions.length > 1) {
    p.issues.push({
      message: `conflicting action statements: ${actions.map((a) => a.key).join(", ")} (a task runs one module)`,
      at: keyPositionOf(p.src, path, actions[1]!.key),
    });
    return undefined;
  }
  if (actions.length === 0) {
    if (!bad)
      p.issues.push({
        message: "no module given in the task (e.g. debug, command, wait_for)",
        at: positionOf(p.src, path),
      });
    return undefined;
  }
  return actions[0];
}

/** A keyword's conditions, each with its own position. */
export function conditions(p: TaskParser, value: unknown, path: PathKey[], field: string): Condition[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((expr, i) => {
    const at = Array.isArray(value) ? [...path, field, i] : [...path, field];
    checkTemplates(p, expr, at, field, "condition");
    return { expr: expr as Condition["expr"], at: positionOf(p.src, at), field };
  });
}

function inherit(p: TaskParser, raw: Raw, path: PathKey[], inh: Inherited): Inherited {
  checkTemplates(p, raw.name, [...path, "name"], "name");
  checkTemplates(p, raw.ignore_errors, [...path, "ignore_errors"], "ignore_errors");
  checkTemplates(p, raw.timeout, [...path, "timeout"], "timeout");
  checkTemplates(p, raw.delegate_to, [...path, "delegate_to"], "delegate_to");
  checkTemplates(p, raw.become_user, [...path, "become_user"], "become_user");
  const ignore = raw.ignore_errors === undefined ? undefined : toBoolean(raw.ignore_errors);
  return {
    ...inh,
    when: [...inh.when, ...conditions(p, raw.when, path, "when")],
    ignoreErrors: (ignore as Templatable<boolean> | undefined) ?? inh.ignoreErrors,
    anyErrorsFatal:
      raw.any_errors_fatal === undefined ? inh.anyErrorsFatal : toBoolean(raw.any_errors_fatal) === true,
    delegateTo: (raw.delegate_to as string | undefined) ?? inh.delegateTo,
    checkMode: raw.check_mode === undefined ? inh.checkMode : toBoolean(raw.check_mode) === true,
    timeout: numberish(raw.timeout) ?? inh.timeout,
    become: raw.become === undefined ? inh.become : toBoolean(raw.become) === true,
    becomeUser: (raw.become_user as string | undefined) ?? inh.becomeUser,
    environment: mergeEnvironment(p, inh.environment, raw.environment, path),
  };
}

function mergeEnvironment(
  p: TaskParser,
  outer: Inherited["environment"],
  own: unknown,
  path: PathKey[],
): Inherited["environment"] {
  if (own === undefined || own === null || typeof own !== "object") return outer;
  checkTemplates(p, own, [...path, "environment"], "environment");
  return { ...outer, ...(own as Inherited["environment"]) };
}

function numberish(v: unknown): Templatable<number> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && !isTemplate(v)) return Number(v);
  return v as Templatable<number>;
}
