// One call of a module for one host: template the parameters, validate them, apply check mode
// and the task timeout, build the module context, and turn anything thrown into a failed result.
import { validate } from "../../config/yaml.js";
import { formatIssue } from "../../errors.js";
import {
  expressionTemplate,
  renderString,
  renderValue,
  resolvedVars,
  type TemplateScope,
} from "../../template/engine.js";
import {
  type BecomeSpec,
  type Connection,
  HostUnreachableError,
  LocalConnection,
} from "../connection/connection.js";
import { toBoolean } from "../modules/params.js";
import type { ModuleContext, ModuleProgress, ModuleResult } from "../modules/types.js";
import {
  FieldError,
  inField,
  isLocalDelegate,
  renderField,
  type TaskRun,
  UNREACHABLE_DETAIL,
} from "./engine.js";

/** How often a long wait reports progress (and how long before it first does). */
const PROGRESS_EVERY_MS = 1000;

export async function callModule(
  run: TaskRun,
  scope: TemplateScope,
  delegate: string | undefined,
): Promise<ModuleResult> {
  const { task, engine } = run;
  const mod = task.module;
  let params: Record<string, unknown>;
  let timeoutS: number | undefined;
  let environment: Record<string, string>;
  try {
    params = renderParams(run, scope);
    environment = renderEnvironment(run, scope);
    timeoutS =
      task.timeout === undefined ? undefined : Number(renderField(run, scope, "timeout", task.timeout));
  } catch (err) {
    if (err instanceof FieldError) return { failed: true, msg: err.message };
    throw err;
  }
  const parsed = validate(mod.params, engine.playbook.src, { value: params, basePath: task.argsPath });
  if (!parsed.ok) {
    return {
      failed: true,
      msg: parsed.issues
        .map((i) => formatIssue({ ...i, message: `${task.actionKey}: ${i.message}` }))
        .join("; "),
    };
  }
  const problem = mod.check?.(parsed.value);
  if (problem) return { failed: true, msg: problem };
  const checkMode = task.checkMode ?? engine.check;
  if (checkMode && mod.checkMode === "skip") {
    return { changed: false, skipped: true, msg: `remote module (${mod.name}) does not support check mode` };
  }
  const timeout = timeoutS && timeoutS > 0 ? AbortSignal.timeout(timeoutS * 1000) : undefined;
  const signal = timeout ? AbortSignal.any([engine.signal, timeout]) : engine.signal;
  const ctx = moduleContext(run, scope, { checkMode, signal, delegate, environment });
  try {
    const result = await untilAborted(mod.run(parsed.value, ctx), signal);
    if (result) return result;
  } catch (err) {
    if (err instanceof FieldError) return { failed: true, msg: err.message };
    if (err instanceof HostUnreachableError) {
      const detail = { message: err.message, ...err.detail };
      return { unreachable: true, changed: false, msg: err.message, [UNREACHABLE_DETAIL]: detail };
    }
    return {
      failed: true,
      msg: `Unexpected failure during module execution: ${(err as Error).message ?? String(err)}`,
    };
  }
  if (timeout?.aborted) {
    return {
      failed: true,
      msg: `The ${mod.name} action failed to execute in the expected time frame (${timeoutS}) and was terminated`,
    };
  }
  return { failed: true, msg: "interrupted" };
}

/** Template the parameters; conditions and expressions are left for the module to evaluate. */
function renderParams(run: TaskRun, scope: TemplateScope): Record<string, unknown> {
  const mod = run.task.module;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(run.task.args)) {
    const raw = mod.conditionParams?.includes(k) || mod.expressionParams?.includes(k);
    out[k] = raw
      ? v
      : inField(run, [...run.task.argsPath, k], `${run.task.actionKey}.${k}`, () => renderValue(v, scope));
  }
  return out;
}

/** The task's `environment:`, each value rendered for this host, as strings (as Ansible sends them). */
function renderEnvironment(run: TaskRun, scope: TemplateScope): Record<string, string> {
  return Object.fromEntries(
    Object.entries(run.task.environment ?? {}).map(([name, value]) => {
      const rendered = renderField(run, scope, "environment", value);
      return [name, typeof rendered === "string" ? rendered : JSON.stringify(rendered)];
    }),
  );
}

interface CallOptions {
  checkMode: boolean;
  signal: AbortSignal;
  delegate: string | undefined;
  environment: Record<string, string>;
}

function moduleContext(run: TaskRun, scope: TemplateScope, o: CallOptions): ModuleContext {
  const { engine, task, host } = run;
  const base = { play: run.playInfo, task: run.info, host, ...(o.delegate ? { delegate: o.delegate } : {}) };
  let lastProgress = engine.now();
  let opened: Promise<Connection> | undefined;
  return {
    host: { name: host, vars: resolvedVars(scope) },
    checkMode: o.checkMode,
    environment: o.environment,
    verbosity: engine.verbosity,
    signal: o.signal,
    services: engine.services,
    now: engine.now,
    progress(p: ModuleProgress) {
      const now = engine.now();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      engine.emit({ type: "task_progress", ...base, ...p });
    },
    display(message: string) {
      engine.emit({ type: "task_message", ...base, message });
    },
    connection() {
      opened ??= openConnection(run, scope, o.delegate);
      return opened;
    },
    evaluate(expression: string, field: string) {
      return inField(run, [...task.argsPath, field], `${task.actionKey}.${field}`, () =>
        renderString(expressionTemplate(expression), scope),
      );
    },
  };
}

async function openConnection(
  run: TaskRun,
  scope: TemplateScope,
  delegate: string | undefined,
): Promise<Connection> {
  const { engine, play } = run;
  const vars = delegate ? (engine.view.vars.get(delegate) ?? {}) : resolvedVars(scope);
  const become = becomeOf(run, scope);
  // delegate_to: localhost always runs here; otherwise the machine's ansible_connection, then
  // the play's keyword (default local).
  const connection =
    delegate !== undefined && isLocalDelegate(delegate)
      ? "local"
      : (connectionVar(vars.ansible_connection) ?? play.connection);
  if (connection === "local" && isLocalDelegate(delegate)) {
    return new LocalConnection(engine.services.env, engine.services.cwd, become);
  }
  if (!engine.services.connect) {
    throw new HostUnreachableError(
      `no ${connection} connection available for ${delegate ?? run.host} (this run was given no way to open one)`,
    );
  }
  return engine.services.connect({
    host: run.host,
    delegateTo: delegate,
    vars,
    connection,
    ssh: play.ssh,
    ...(become ? { become } : {}),
  });
}

function connectionVar(value: unknown): "local" | "ssh" | undefined {
  if (value === "local") return "local";
  if (value === "ssh" || value === "smart" || value === "paramiko") return "ssh";
  return undefined;
}

/** The task's become (from it, its blocks or the play), else the host's ansible_become vars. */
function becomeOf(run: TaskRun, scope: TemplateScope): BecomeSpec | undefined {
  const { task } = run;
  const vars = resolvedVars(scope);
  const on = task.become ?? toBoolean(vars.ansible_become) === true;
  if (!on) return undefined;
  const user =
    task.becomeUser !== undefined
      ? renderField(run, scope, "become_user", task.becomeUser)
      : vars.ansible_become_user;
  return { user: user === undefined || user === null || user === "" ? "root" : String(user) };
}

/** The module's result, or undefined once the signal aborts (a module that ignores it can't hang us). */
async function untilAborted(
  work: Promise<ModuleResult>,
  signal: AbortSignal,
): Promise<ModuleResult | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: () => void = () => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const result = await Promise.race([work, aborted]);
    return signal.aborted ? undefined : result;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
