// Playbook files: YAML with positions → validated plays. Every problem is collected (with
import { withHints } from "../../errors.js";
// file:line:col) before anything runs.

import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  describeFsError,
  type Parsed,
  parseYaml,
  positionOf,
  validate,
  type YamlSource,
} from "../../config/yaml.js";
import { ExitCode, type Issue } from "../../errors.js";
import { toBoolean } from "../modules/params.js";
import type { HostOrder, Play, Playbook, SerialStep, Task } from "../types.js";
import { playSchema } from "./schema.js";
import { checkTemplates, type Inherited, parseTaskList, type TaskParser } from "./task.js";

export async function loadPlaybook(file: string, cwd: string): Promise<Parsed<Playbook>> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return {
      ok: false,
      issues: [
        { message: `cannot read playbook ${file}: ${describeFsError(err)}`, exitCode: ExitCode.error },
      ],
    };
  }
  return parsePlaybook(text, file, dirname(path));
}

export function parsePlaybook(text: string, file: string, dir: string): Parsed<Playbook> {
  const src = parseYaml(text, file);
  if (!src.ok) return src;
  return buildPlaybook(src.value, dir);
}

function buildPlaybook(src: YamlSource, dir: string): Parsed<Playbook> {
  const issues: Issue[] = [];
  const value = src.value;
  if (!Array.isArray(value)) {
    const message =
      value === null || value === undefined
        ? "the playbook is empty: expected a list of plays"
        : "a playbook must be a list of plays";
    return { ok: false, issues: [{ message, at: positionOf(src, []) }] };
  }
  if (value.length === 0)
    return { ok: false, issues: [{ message: "the playbook has no plays", at: positionOf(src, []) }] };
  const plays: Play[] = [];
  value.forEach((raw, index) => {
    const play = parsePlay(src, raw, index, issues);
    if (play) plays.push(play);
  });
  if (issues.length > 0) return { ok: false, issues: sortIssues(issues) };
  return { ok: true, value: { file: src.file, dir, src, plays } };
}

function parsePlay(src: YamlSource, raw: unknown, index: number, issues: Issue[]): Play | undefined {
  const path = [index];
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    issues.push({ message: "expected a play (a mapping with hosts and tasks)", at: positionOf(src, path) });
    return undefined;
  }
  const checked = validate(playSchema, src, { value: raw, basePath: path });
  if (!checked.ok) {
    issues.push(...withHints(checked.issues, Object.keys(playSchema.shape)));
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  const hosts = Array.isArray(r.hosts) ? (r.hosts as string[]).join(",") : String(r.hosts);
  const anyErrorsFatal = toBoolean(r.any_errors_fatal) === true;
  const checkMode = r.check_mode === undefined ? undefined : toBoolean(r.check_mode) === true;
  const parser: TaskParser = { src, issues, allTasks: [] as Task[] };
  checkTemplates(parser, r.vars, [...path, "vars"], "vars");
  const inherited: Inherited = {
    when: [],
    anyErrorsFatal,
    checkMode,
    // The play's become is where its tasks start; blocks and tasks may override it.
    become: r.become === undefined ? undefined : toBoolean(r.become) === true,
    becomeUser: r.become_user as string | undefined,
    environment: (r.environment as Inherited["environment"] | undefined) ?? {},
    rescuable: false,
    inRecovery: false,
    inRescue: false,
  };
  const tasks = parseTaskList(parser, r.tasks, [...path, "tasks"], inherited);
  const varsFiles =
    r.vars_files === undefined ? [] : Array.isArray(r.vars_files) ? r.vars_files : [r.vars_files];
  return {
    index,
    path,
    at: positionOf(src, path),
    name: typeof r.name === "string" || typeof r.name === "number" ? String(r.name) : hosts,
    hosts,
    hostsAt: positionOf(src, [...path, "hosts"]),
    serial: serialOf(r.serial),
    order: (r.order as HostOrder | undefined) ?? "inventory",
    vars: (r.vars as Record<string, unknown> | null | undefined) ?? {},
    varsFiles: (varsFiles as string[]).map((f, i) => ({
      path: f,
      at: positionOf(src, Array.isArray(r.vars_files) ? [...path, "vars_files", i] : [...path, "vars_files"]),
    })),
    maxFailPercentage:
      r.max_fail_percentage === undefined ? undefined : Number.parseFloat(String(r.max_fail_percentage)),
    anyErrorsFatal,
    checkMode,
    connection: (r.connection as "local" | "ssh" | undefined) ?? "local",
    ssh: (r.ssh as Record<string, unknown> | undefined) ?? undefined,
    tasks,
    allTasks: parser.allTasks,
  };
}

function serialOf(v: unknown): SerialStep[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((s) => (typeof s === "string" && !s.includes("%") ? Number(s) : (s as SerialStep)));
}

function sortIssues(issues: Issue[]): Issue[] {
  return issues.sort((a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.col ?? 0) - (b.at?.col ?? 0));
}
