// Python methods playbooks call on values: 'a,b'.split(','), name.startswith('k'),
// d.keys()/items()/get(k), list.index(x). Only methods without side effects are offered.
import type { Budget } from "../budget.js";
import type { Args } from "./calls.js";
import { contains, ExprError, equal, isDict, str, typeName } from "./python.js";

type Method = (self: never, a: Args, budget: Budget) => unknown;

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) {
    let out = s;
    if (left) out = out.replace(/^\s+/, "");
    if (right) out = out.replace(/\s+$/, "");
    return out;
  }
  const set = new Set(String(chars));
  let start = 0;
  let end = s.length;
  while (left && start < end && set.has(s[start]!)) start++;
  while (right && end > start && set.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

function split(s: string, sep: unknown, max: unknown): string[] {
  const limit = max === undefined ? -1 : Number(max);
  if (sep === undefined || sep === null) {
    const parts = s.trim().split(/\s+/).filter(Boolean);
    if (limit < 0 || parts.length <= limit) return parts;
    const rest = s.trim().split(/\s+/).slice(limit);
    return [...parts.slice(0, limit), rest.join(" ")];
  }
  const parts = s.split(String(sep));
  if (limit < 0 || parts.length <= limit + 1) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(String(sep))];
}

const STRING: Record<string, (s: string, a: Args, budget: Budget) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, a) => stripChars(s, a.pos[0], true, true),
  lstrip: (s, a) => stripChars(s, a.pos[0], true, false),
  rstrip: (s, a) => stripChars(s, a.pos[0], false, true),
  split: (s, a) => split(s, a.pos[0] ?? a.kw.sep, a.pos[1] ?? a.kw.maxsplit),
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== ""),
  startswith: (s, a) => {
    const p = a.pos[0];
    return Array.isArray(p) ? p.some((x) => s.startsWith(str(x))) : s.startsWith(str(p));
  },
  endswith: (s, a) => {
    const p = a.pos[0];
    return Array.isArray(p) ? p.some((x) => s.endsWith(str(x))) : s.endsWith(str(p));
  },
  replace: (s, a, budget) => {
    const out = s.split(str(a.pos[0])).join(str(a.pos[1]));
    budget.spendChars(out.length);
    return out;
  },
  find: (s, a) => s.indexOf(str(a.pos[0])),
  count: (s, a) => s.split(str(a.pos[0])).length - 1,
  join: (s, a) => (a.pos[0] as unknown[]).map(str).join(s),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => s.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, p, c) => p + c.toUpperCase()),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  format: (s, a) => {
    let i = 0;
    return s.replace(/\{(\w*)\}/g, (_m, k: string) =>
      str(k === "" ? a.pos[i++] : /^\d+$/.test(k) ? a.pos[Number(k)] : a.kw[k]),
    );
  },
};

const LIST: Record<string, (l: unknown[], a: Args) => unknown> = {
  index: (l, a) => {
    const i = l.findIndex((x) => equal(x, a.pos[0]));
    if (i < 0) throw new ExprError(`${str(a.pos[0])} is not in list`);
    return i;
  },
  count: (l, a) => l.filter((x) => equal(x, a.pos[0])).length,
};

const DICT: Record<string, (d: Record<string, unknown>, a: Args) => unknown> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  items: (d) => Object.entries(d),
  get: (d, a) => {
    const k = str(a.pos[0]);
    return Object.hasOwn(d, k) && d[k] !== undefined ? d[k] : (a.pos[1] ?? null);
  },
  __contains__: (d, a) => contains(d, a.pos[0]),
};

export function callMethod(target: unknown, name: string, a: Args, budget: Budget): unknown {
  const table: Record<string, Method> | undefined =
    typeof target === "string"
      ? (STRING as Record<string, Method>)
      : Array.isArray(target)
        ? (LIST as Record<string, Method>)
        : isDict(target)
          ? (DICT as Record<string, Method>)
          : undefined;
  const fn = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (!fn) throw new ExprError(`'${typeName(target)}' object has no attribute '${name}'`);
  return fn(target as never, a, budget);
}
