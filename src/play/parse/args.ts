// Module arguments: mapping, `k=v` text or free form → parameters (aliases applied), validated

// as far as they can be before run time; and template syntax checks for any task field.
import { z } from "zod";
import { describeValue, positionOf, validate, type YamlSource } from "../../config/yaml.js";
import type { Issue } from "../../errors.js";
import { withHints } from "../../errors.js";
import {
  compileTemplate,
  containsTemplate,
  expressionTemplate,
  isTemplate,
  TemplateError,
} from "../../template/engine.js";
import type { ModuleDef } from "../modules/types.js";
import type { PathKey, Task } from "../types.js";
import { parseKeyValue, splitArgs } from "./key-value-args.js";

export interface TaskParser {
  src: YamlSource;
  issues: Issue[];
  allTasks: Task[];
}

type Raw = Record<string, unknown>;

/** Mapping, `k=v` string, or free-form string → a parameter mapping (aliases applied). */
export function normalizeArgs(
  p: TaskParser,
  mod: ModuleDef,
  key: string,
  value: unknown,
  path: PathKey[],
): Raw | undefined {
  const at = positionOf(p.src, path);
  let args: Raw;
  if (value === null || value === undefined) args = {};
  else if (typeof value === "string" || typeof value === "number") {
    const parsed = parseArgString(mod, String(value));
    if (typeof parsed === "string") {
      p.issues.push({ message: `${key}: ${parsed}`, at });
      return undefined;
    }
    args = parsed;
  } else if (typeof value === "object" && !Array.isArray(value)) args = { ...(value as Raw) };
  else {
    p.issues.push({ message: `${key}: expected a mapping of parameters, got ${describeValue(value)}`, at });
    return undefined;
  }
  for (const [alias, canonical] of Object.entries(mod.paramAliases ?? {})) {
    if (!(alias in args)) continue;
    if (canonical in args) {
      p.issues.push({ message: `${key}: "${alias}" and "${canonical}" are the same parameter`, at });
      return undefined;
    }
    args[canonical] = args[alias];
    delete args[alias];
  }
  return args;
}

function parseArgString(mod: ModuleDef, text: string): Raw | string {
  let tokens: string[];
  try {
    tokens = splitArgs(text);
  } catch (err) {
    return (err as Error).message;
  }
  const known = new Set(paramNames(mod));
  const args: Raw = {};
  const free: string[] = [];
  for (const token of tokens) {
    const kv = parseKeyValue(token);
    if (kv && (!mod.freeForm || (known.has(kv[0]) && kv[0] !== mod.freeForm))) args[kv[0]] = kv[1];
    else if (mod.freeForm) free.push(token);
    else return `expected key=value parameters, got "${token}"`;
  }
  if (mod.freeForm && free.length > 0) args[mod.freeForm] = free.join(" ");
  return args;
}

function paramNames(mod: ModuleDef): string[] {
  const shape = (mod.params as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** Validate what can be known before run time: template-valued parameters are checked later. */
export function validateArgs(p: TaskParser, mod: ModuleDef, key: string, args: Raw, path: PathKey[]): void {
  const dynamic = Object.keys(args).filter((k) => containsTemplate(args[k]));
  for (const k of Object.keys(args)) {
    const kind = mod.conditionParams?.includes(k)
      ? "condition"
      : mod.expressionParams?.includes(k)
        ? "expression"
        : "value";
    checkTemplates(p, args[k], [...path, k], `${key}.${k}`, kind);
  }
  let schema = mod.params;
  const shape = (schema as unknown as { shape?: unknown }).shape;
  if (shape && dynamic.length > 0) {
    schema = (schema as z.ZodObject).extend(Object.fromEntries(dynamic.map((k) => [k, z.any()])));
  }
  const r = validate(schema, p.src, { value: args, basePath: path });
  if (!r.ok) {
    const issues = withHints(r.issues, paramNames(mod));
    p.issues.push(...issues.map((i) => ({ ...i, message: `${key}: ${i.message}` })));
    return;
  }
  if (dynamic.length === 0 && mod.check) {
    const problem = mod.check(r.value);
    if (problem) p.issues.push({ message: `${key}: ${problem}`, at: positionOf(p.src, path) });
  }
}

/** Report template syntax errors (and unknown helpers) in every string inside a value. */
export function checkTemplates(
  p: TaskParser,
  value: unknown,
  path: PathKey[],
  field: string,
  kind: "value" | "condition" | "expression" = "value",
): void {
  if (typeof value === "string" && (kind !== "value" || isTemplate(value))) {
    try {
      compileTemplate(kind === "value" ? value : expressionTemplate(value));
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      p.issues.push({ message: `${field}: ${err.message}`, at: positionOf(p.src, path) });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkTemplates(p, v, [...path, i], field, kind);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkTemplates(p, v, [...path, k], field, kind);
  }
}
