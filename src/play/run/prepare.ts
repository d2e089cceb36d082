// Everything checked after the inventory is known and before anything runs: host patterns and

// --limit, vars_files, and names used in templates that nothing defines (a typo in a variable
// must stop the run, not become an empty string halfway through a recycle).
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describeFsError, parseYaml, positionOf } from "../../config/yaml.js";
import { didYouMean, ExitCode, type Issue, type SourcePosition } from "../../errors.js";
import type { Inventory, Vars } from "../../inventory/model.js";
import {
  compileTemplate,
  expressionTemplate,
  isTemplate,
  renderString,
  TemplateError,
  trustTemplates,
} from "../../template/engine.js";
import { type InventoryView, viewOf } from "../hosts/inventory.js";
import { matchPattern, patternProblem } from "../hosts/patterns.js";
import type { PathKey, Play, Playbook, Task } from "../types.js";
import { MAGIC_VARS } from "./vars.js";

export interface PreparedPlay {
  play: Play;
  /** Matching hosts (after --limit), in inventory order; `order` is applied at run time. */
  hosts: string[];
  /** Play vars with vars_files merged over them. */
  vars: Vars;
  warnings: string[];
}

export interface PreparedRun {
  playbook: Playbook;
  view: InventoryView;
  plays: PreparedPlay[];
  extraVars: Vars;
}

export interface PrepareOptions {
  extraVars: Vars;
  limit?: string;
  env: Record<string, string | undefined>;
  /** Check template names against what the inventory and the play define (default true). */
  checkNames?: boolean;
}

export async function preparePlaybook(
  playbook: Playbook,
  inventory: Inventory,
  opts: PrepareOptions,
): Promise<{ ok: true; value: PreparedRun } | { ok: false; issues: Issue[] }> {
  const view = viewOf(inventory);
  const issues: Issue[] = [];
  let limited: Set<string> | undefined;
  let limitWarnings: string[] = [];
  if (opts.limit !== undefined) {
    const problem = patternProblem(opts.limit);
    if (problem) issues.push({ message: `--limit: ${problem}` });
    else {
      const matched = matchPattern(opts.limit, view);
      limited = new Set(matched.hosts);
      // Shown once, with the first play's, as Ansible shows them before the first play.
      limitWarnings = matched.warnings;
      if (limited.size === 0)
        issues.push({
          message: `--limit "${opts.limit}" matches no hosts in the inventory`,
          exitCode: ExitCode.error,
        });
    }
  }
  const plays: PreparedPlay[] = [];
  for (const play of playbook.plays) {
    // As Ansible: `hosts: "{{ target }}"` is templated with the play's vars and -e vars.
    let pattern = play.hosts;
    try {
      if (isTemplate(pattern))
        pattern = String(
          renderString(pattern, { vars: { ...trustTemplates(play.vars), ...opts.extraVars }, env: opts.env }),
        );
    } catch (err) {
      issues.push({ message: `hosts: ${(err as Error).message}`, at: play.hostsAt });
      continue;
    }
    const problem = patternProblem(pattern);
    if (problem) {
      issues.push({ message: `hosts: ${problem}`, at: play.hostsAt });
      continue;
    }
    const matched = matchPattern(pattern, view);
    const hosts = limited ? matched.hosts.filter((h) => limited.has(h)) : matched.hosts;
    const vars = { ...play.vars };
    for (const vf of play.varsFiles) {
      const loaded = await loadVarsFile(
        playbook,
        vf,
        { ...trustTemplates(vars), ...opts.extraVars },
        opts.env,
      );
      if (Array.isArray(loaded)) issues.push(...loaded);
      else Object.assign(vars, loaded);
    }
    plays.push({
      play,
      hosts,
      vars,
      warnings: [...(plays.length === 0 ? limitWarnings : []), ...matched.warnings],
    });
  }
  if (issues.length === 0 && opts.checkNames !== false)
    issues.push(...checkNames(playbook, plays, view, opts.extraVars));
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { playbook, view, plays, extraVars: opts.extraVars } };
}

async function loadVarsFile(
  playbook: Playbook,
  vf: { path: string; at: SourcePosition },
  vars: Vars,
  env: Record<string, string | undefined>,
): Promise<Vars | Issue[]> {
  let name = vf.path;
  try {
    name = String(renderString(vf.path, { vars, env }));
  } catch (err) {
    return [{ message: `vars_files: ${(err as Error).message}`, at: vf.at }];
  }
  let text: string;
  try {
    text = await readFile(resolve(playbook.dir, name), "utf8");
  } catch (err) {
    return [
      {
        message: `vars_files: cannot read ${name}: ${describeFsError(err)}`,
        at: vf.at,
        exitCode: ExitCode.error,
      },
    ];
  }
  const parsed = parseYaml(text, name);
  if (!parsed.ok) return parsed.issues;
  const value = parsed.value.value;
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value))
    return [{ message: `vars_files: ${name} must hold a mapping of variables`, at: vf.at }];
  return value as Vars;
}

/** A template that reads a name nothing defines (inventory, play, -e, register, set_fact). */
function checkNames(
  playbook: Playbook,
  plays: PreparedPlay[],
  view: InventoryView,
  extraVars: Vars,
): Issue[] {
  const issues: Issue[] = [];
  // Facts and registered results persist across plays, so they are known in every play.
  const facts = new Set<string>();
  for (const { play } of plays) {
    for (const t of play.allTasks) {
      if (t.register) facts.add(t.register);
      if (t.action === "set_fact") for (const k of Object.keys(t.args)) facts.add(k);
    }
  }
  for (const p of plays) {
    const known = new Set<string>([
      ...MAGIC_VARS,
      ...facts,
      ...Object.keys(p.vars),
      ...Object.keys(extraVars),
    ]);
    for (const h of p.hosts) for (const k of Object.keys(view.vars.get(h) ?? {})) known.add(k);
    for (const task of p.play.allTasks) {
      const local = new Set(known);
      if (task.loop !== undefined) for (const k of ["item", "ansible_loop", "ansible_loop_var"]) local.add(k);
      if (task.inRescue) for (const k of ["ansible_failed_task", "ansible_failed_result"]) local.add(k);
      for (const use of templatesOf(task)) {
        const missing = unknownRoot(use.text, local);
        if (!missing) continue;
        const at = Array.isArray(use.at) ? positionOf(playbook.src, use.at) : use.at;
        issues.push({
          message: `task "${task.name ?? task.action}", field "${use.field}": undefined variable "${missing}"${didYouMean(missing, local)}`,
          at,
        });
      }
    }
  }
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.at?.line}:${i.at?.col}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface TemplateUse {
  text: string;
  at: PathKey[] | SourcePosition;
  field: string;
}

function templatesOf(task: Task): TemplateUse[] {
  const uses: TemplateUse[] = [];
  const collect = (value: unknown, path: PathKey[], field: string, expression = false) => {
    if (typeof value === "string" && (expression || isTemplate(value))) {
      uses.push({ text: expression ? expressionTemplate(value) : value, at: path, field });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        collect(v, [...path, i], field, expression);
      });
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) collect(v, [...path, k], field, expression);
    }
  };
  for (const [k, v] of Object.entries(task.args)) {
    const expression = Boolean(
      task.module.conditionParams?.includes(k) || task.module.expressionParams?.includes(k),
    );
    // debug's `var` may name an undefined variable on purpose ("VARIABLE IS NOT DEFINED!").
    if (task.module.expressionParams?.includes(k)) continue;
    collect(v, [...task.argsPath, k], `${task.actionKey}.${k}`, expression);
  }
  for (const key of ["loop", "delegate_to", "timeout", "retries", "delay", "ignore_errors"] as const) {
    const v = {
      loop: task.loop,
      delegate_to: task.delegateTo,
      timeout: task.timeout,
      retries: task.retries,
      delay: task.delay,
      ignore_errors: task.ignoreErrors,
    }[key];
    collect(v, [...task.path, key], key);
  }
  for (const c of [...task.when, ...task.until, ...task.changedWhen, ...task.failedWhen]) {
    if (typeof c.expr === "string") uses.push({ text: expressionTemplate(c.expr), at: c.at, field: c.field });
  }
  return uses;
}

function unknownRoot(text: string, known: Set<string>): string | undefined {
  try {
    for (const ref of compileTemplate(text).refs)
      if (!ref.optional && !known.has(ref.parts[0]!)) return ref.parts[0];
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
  }
  return undefined;
}
