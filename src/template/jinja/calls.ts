// What filters, tests and lookups receive: positional and keyword arguments, and the few
// services of the render they may need (budget, environment, other filters and tests).
import type { Budget } from "../budget.js";
import { checkDefined, ExprError, isDict, iterate, Undefined } from "./python.js";

export interface Args {
  pos: unknown[];
  kw: Record<string, unknown>;
}

export interface CallEnv {
  budget: Budget;
  /** Environment variables the CLI passed in (never process.env). */
  env: Record<string, string | undefined>;
  vars: Record<string, unknown>;
  /** Directory `lookup('file', …)` resolves relative paths against. */
  baseDir?: string;
  test(name: string, value: unknown, args: Args): boolean;
  filter(name: string, value: unknown, args: Args): unknown;
  /** Read a variable the way an expression does (templates from play vars expanded). */
  variable(name: string): unknown;
}

export type Filter = (value: unknown, args: Args, env: CallEnv) => unknown;
export type Test = (value: unknown, args: Args, env: CallEnv) => unknown;

/** Argument `i` (or keyword `name`), else `fallback`. */
export function arg(a: Args, i: number, name: string, fallback?: unknown): unknown {
  if (Object.hasOwn(a.kw, name)) return a.kw[name];
  return i < a.pos.length ? a.pos[i] : fallback;
}

export function noArgs(): Args {
  return { pos: [], kw: {} };
}

/** `attribute='a.b.0'` lookups, as Jinja's make_attrgetter does. */
export function getAttribute(item: unknown, path: unknown): unknown {
  let cur = item;
  for (const part of String(path).split(".")) {
    if (cur instanceof Undefined) return cur;
    if (Array.isArray(cur) && /^-?\d+$/.test(part)) cur = cur.at(Number(part));
    else if (isDict(cur) && Object.hasOwn(cur, part)) cur = cur[part];
    else return new Undefined(String(path), "item", part);
    if (cur === undefined) return new Undefined(String(path), "item", part);
  }
  return cur;
}

/** The items of a filter's input (lists, strings, dict keys); errors on undefined input. */
export function items(value: unknown): unknown[] {
  return iterate(checkDefined(value));
}

export function expectDict(value: unknown, filter: string): Record<string, unknown> {
  if (!isDict(value)) throw new ExprError(`${filter} requires a dictionary`);
  return value;
}
