// One task on one host, as Ansible's TaskExecutor does it: `when` (per loop item), `loop`,
// retries/until/delay, changed_when/failed_when, register, set_fact facts, ignore_errors.
// Host failures are data: this never throws for a failing host.
import { setTimeout as sleep } from "node:timers/promises";
import type { Vars } from "../../inventory/model.js";
import { evaluateCondition, isTemplate, renderValue, type TemplateScope } from "../../template/engine.js";
import type { CleanResult, TaskStatus, UnreachableDetail } from "../events.js";
import { toBoolean } from "../modules/params.js";
import type { ModuleResult } from "../modules/types.js";
import type { Condition } from "../types.js";
import {
  cleanResult,
  FieldError,
  inField,
  renderField,
  statusOf,
  type TaskRun,
  UNREACHABLE_DETAIL,
  unreachableDetailOf,
} from "./engine.js";
import { callModule } from "./module-call.js";

export interface TaskOutcome {
  status: TaskStatus;
  ignored: boolean;
  rescued: boolean;
  result: CleanResult;
  /** Why, when the status is "unreachable". */
  unreachable?: UnreachableDetail;
}

export async function executeTask(run: TaskRun, extra?: Vars): Promise<TaskOutcome> {
  const { engine, task, host } = run;
  const started = engine.now();
  const scope = engine.store.scopeFor(host, extra);
  let delegate: string | undefined;
  let raw: ModuleResult;
  let ignoreErrors = false;
  try {
    const d =
      task.delegateTo === undefined
        ? undefined
        : String(renderField(run, scope, "delegate_to", task.delegateTo));
    delegate = d !== undefined && d !== host ? d : undefined;
    ignoreErrors = toBoolean(renderField(run, scope, "ignore_errors", task.ignoreErrors)) === true;
    raw =
      task.loop === undefined ? await runSingle(run, scope, delegate) : await runLoop(run, scope, delegate);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    raw = { failed: true, msg: err.message };
  }
  const { result, verbose } = cleanResult(raw);
  if (task.register) engine.store.setFacts(host, { [task.register]: result });
  if (raw.ansible_facts && !raw.failed) engine.store.setFacts(host, raw.ansible_facts);
  const status = statusOf(raw);
  const ignored = status === "failed" && ignoreErrors;
  const rescued = status === "failed" && !ignored && task.rescuable;
  engine.emit({
    type: "task_result",
    play: run.playInfo,
    task: run.info,
    host,
    ...(delegate ? { delegate } : {}),
    status,
    ignored,
    rescued,
    verbose,
    result,
    durationMs: engine.now() - started,
  });
  return {
    status,
    ignored,
    rescued,
    result,
    ...(status === "unreachable" && { unreachable: unreachableDetailOf(raw) }),
  };
}

async function runSingle(
  run: TaskRun,
  scope: TemplateScope,
  delegate: string | undefined,
): Promise<ModuleResult> {
  const failed = whenFails(run, scope);
  if (failed) return skipResult(failed);
  return attempt(run, scope, delegate);
}

async function runLoop(
  run: TaskRun,
  scope: TemplateScope,
  delegate: string | undefined,
): Promise<ModuleResult> {
  const { task, engine } = run;
  const items = inField(run, [...task.path, "loop"], "loop", () => renderValue(task.loop, scope));
  if (!Array.isArray(items)) {
    const text = typeof items === "string" && isTemplate(items) ? items : JSON.stringify(items);
    throw new FieldError(
      task.at,
      run.info.name,
      "loop",
      `Invalid data passed to 'loop', it requires a list, got this instead: ${text}`,
    );
  }
  if (items.length === 0)
    return { changed: false, skipped: true, skipped_reason: "No items in the list", results: [] };
  const results: Record<string, unknown>[] = [];
  let unreachable: unknown;
  for (const [index, item] of items.entries()) {
    const loopVars = {
      item,
      ansible_loop_var: "item",
      ansible_loop: {
        index: index + 1,
        index0: index,
        first: index === 0,
        last: index === items.length - 1,
        length: items.length,
      },
    };
    const itemScope: TemplateScope = { vars: { ...scope.vars, ...loopVars }, env: scope.env };
    let r: ModuleResult;
    try {
      const failed = whenFails(run, itemScope);
      r = failed ? skipResult(failed) : await attempt(run, itemScope, delegate);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      r = { failed: true, msg: err.message };
    }
    if (r.unreachable) unreachable ??= r[UNREACHABLE_DETAIL];
    const { result, verbose } = cleanResult({ ...r, item, ansible_loop_var: "item" });
    results.push(result);
    engine.emit({
      type: "item_result",
      play: run.playInfo,
      task: run.info,
      host: run.host,
      ...(delegate ? { delegate } : {}),
      item,
      status: statusOf(r),
      verbose,
      result,
    });
    if (engine.signal.aborted) break;
  }
  const aggregate: ModuleResult = { changed: results.some((r) => r.changed === true), results };
  const skipped = results.every((r) => r.skipped === true);
  if (results.some((r) => r.failed === true)) {
    aggregate.failed = true;
    aggregate.msg = "One or more items failed";
  } else aggregate.msg = skipped ? "All items skipped" : "All items completed";
  aggregate.skipped = skipped;
  if (results.some((r) => r.unreachable === true)) {
    aggregate.unreachable = true;
    if (unreachable) aggregate[UNREACHABLE_DETAIL] = unreachable;
  }
  return aggregate;
}

/** The first `when` condition that is false (undefined: run the task). */
function whenFails(run: TaskRun, scope: TemplateScope): Condition | undefined {
  for (const cond of run.task.when) {
    const ok = inField(run, cond.at, cond.field, () => evaluateCondition(cond.expr, scope));
    if (!ok) return cond;
  }
  return undefined;
}

function skipResult(cond: Condition): ModuleResult {
  return {
    changed: false,
    skipped: true,
    skip_reason: "Conditional result was False",
    false_condition: cond.expr,
  };
}

/** The module with retries/until, changed_when and failed_when. */
async function attempt(
  run: TaskRun,
  scope: TemplateScope,
  delegate: string | undefined,
): Promise<ModuleResult> {
  const { task, engine } = run;
  const retries =
    task.until.length === 0 ? 1 : attemptsAllowed(renderField(run, scope, "retries", task.retries));
  const delayS = Number(renderField(run, scope, "delay", task.delay ?? 5));
  let result: ModuleResult = {};
  for (let n = 1; n <= retries; n++) {
    result = await callModule(run, scope, delegate);
    if (result.unreachable) return result;
    if (result.failed === undefined)
      result.failed = result.rc !== undefined && result.rc !== null && result.rc !== 0;
    result.changed ??= false;
    if (task.until.length > 0) result.attempts = n;
    if (task.register) scope.vars[task.register] = cleanResult(result).result;
    if (!result.skipped) applyResultConditions(run, scope, result);
    if (retries === 1) break;
    if (task.until.every((c) => inField(run, c.at, c.field, () => evaluateCondition(c.expr, scope)))) break;
    if (n === retries) {
      result.failed = true;
      break;
    }
    result.retries = retries;
    engine.emit({
      type: "task_retry",
      play: run.playInfo,
      task: run.info,
      host: run.host,
      ...(delegate ? { delegate } : {}),
      attempt: n,
      retries,
      retriesLeft: retries - n,
      ...cleanResult(result),
    });
    if (delayS > 0) await sleep(delayS * 1000, undefined, { signal: engine.signal }).catch(() => {});
    if (engine.signal.aborted) return { ...result, failed: true, msg: "interrupted" };
  }
  return result;
}

/** Ansible 2.14: `retries: N` allows N+1 attempts; unset means 3; ≤ 0 means 1. */
function attemptsAllowed(retries: unknown): number {
  if (retries === undefined || retries === null) return 3;
  const n = Math.trunc(Number(retries));
  return Number.isNaN(n) || n <= 0 ? 1 : n + 1;
}

function applyResultConditions(run: TaskRun, scope: TemplateScope, result: ModuleResult): void {
  const { task } = run;
  const all = (conds: Condition[]) => conds.every((c) => evaluateCondition(c.expr, scope));
  const evaluate = (name: "changed" | "failed", conds: Condition[]) => {
    if (conds.length === 0) return true;
    try {
      const value = all(conds);
      if (name === "changed") result.changed = value;
      else result.failed = result.failed_when_result = value;
      return true;
    } catch (err) {
      result.failed = true;
      result[`${name}_when_result`] =
        `${conds[0]!.at.file}:${conds[0]!.at.line}:${conds[0]!.at.col}: ${(err as Error).message}`;
      return false;
    }
  };
  if (evaluate("changed", task.changedWhen)) evaluate("failed", task.failedWhen);
}
