// Handlebars helpers available in every template and condition. Each takes plain values and
// returns a native value (a condition like `(eq port 9092)` yields a boolean, `(int x)` a number).
import { basename, dirname } from "node:path";

type Plain = (...args: unknown[]) => unknown;

/** Ansible-like truthiness: "false", "no", "off", "0" and empty strings/lists/maps are false. */
export function isTruthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  if (typeof v === "string") return !FALSE_WORDS.has(v.trim().toLowerCase());
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}
const FALSE_WORDS = new Set(["", "false", "no", "off", "0", "n", "f", "none", "null"]);

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  const n = Number(String(v ?? "").trim());
  return Number.isNaN(n) ? 0 : n;
}

function asList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  if (typeof v === "object") return Object.keys(v);
  return [v];
}

function stringOf(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return toNumber(a) - toNumber(b);
}

/** Helpers that only need their positional arguments. */
export const plainHelpers: Record<string, Plain> = {
  default: (v, fallback) => (v === undefined || v === null ? fallback : v),
  eq: (a, b) => equal(a, b),
  ne: (a, b) => !equal(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  and: (...args) => args.every(isTruthy),
  or: (...args) => args.some(isTruthy),
  not: (v) => !isTruthy(v),
  bool: (v) => isTruthy(v),
  int: (v) => Math.trunc(toNumber(v)),
  float: (v) => toNumber(v),
  string: (v) => stringOf(v),
  json: (v, indent) => JSON.stringify(v, null, typeof indent === "number" ? indent : undefined),
  from_json: (v) => JSON.parse(String(v)),
  join: (list, sep) =>
    asList(list)
      .map(stringOf)
      .join(typeof sep === "string" ? sep : ","),
  split: (s, sep) => String(s ?? "").split(typeof sep === "string" ? sep : ","),
  lower: (s) => String(s ?? "").toLowerCase(),
  upper: (s) => String(s ?? "").toUpperCase(),
  trim: (s) => String(s ?? "").trim(),
  replace: (s, from, to) =>
    String(s ?? "")
      .split(String(from))
      .join(String(to ?? "")),
  regex_replace: (s, pattern, to) =>
    String(s ?? "").replace(new RegExp(String(pattern), "g"), String(to ?? "")),
  match: (s, pattern) => new RegExp(String(pattern)).test(String(s ?? "")),
  contains: (container, item) =>
    typeof container === "string"
      ? container.includes(String(item))
      : asList(container).some((x) => equal(x, item)),
  length: (v) =>
    typeof v === "string" || Array.isArray(v)
      ? v.length
      : v && typeof v === "object"
        ? Object.keys(v).length
        : 0,
  concat: (...args) => args.map(stringOf).join(""),
  list: (...args) => args,
  first: (v) => asList(v)[0],
  last: (v) => asList(v).at(-1),
  keys: (v) => (v && typeof v === "object" ? Object.keys(v) : []),
  values: (v) => (v && typeof v === "object" ? Object.values(v) : []),
  pluck: (list, attr) => asList(list).map((x) => (x as Record<string, unknown> | null)?.[String(attr)]),
  range: (a, b) => {
    const [start, end] = b === undefined ? [0, toNumber(a)] : [toNumber(a), toNumber(b)];
    return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
  },
  add: (a, b) => toNumber(a) + toNumber(b),
  sub: (a, b) => toNumber(a) - toNumber(b),
  mul: (a, b) => toNumber(a) * toNumber(b),
  div: (a, b) => toNumber(a) / toNumber(b),
  mod: (a, b) => toNumber(a) % toNumber(b),
  min: (...args) => Math.min(...args.flatMap(asList).map(toNumber)),
  max: (...args) => Math.max(...args.flatMap(asList).map(toNumber)),
  basename: (p) => basename(String(p ?? "")),
  dirname: (p) => dirname(String(p ?? "")),
  quote: (s) => `'${String(s ?? "").replaceAll("'", `'"'"'`)}'`,
  b64encode: (s) => Buffer.from(String(s ?? ""), "utf8").toString("base64"),
  b64decode: (s) => Buffer.from(String(s ?? ""), "base64").toString("utf8"),
};

interface HelperOptions {
  hash?: Record<string, unknown>;
  data?: { rollcall?: { env?: Record<string, string | undefined> } };
}

/** Helpers that need Handlebars' options (hash arguments, the injected environment). */
export const optionHelpers: Record<string, (args: unknown[], options: HelperOptions) => unknown> = {
  /** `{{ env "HOME" }}`, `{{ env "PORT" "9092" }}`: the environment the CLI passed in. */
  env: (args, options) => {
    const value = options.data?.rollcall?.env?.[String(args[0])];
    return value === undefined ? args[1] : value;
  },
  /** `{{ dict port=9092 host=inventory_hostname }}` */
  dict: (_args, options) => ({ ...options.hash }),
};

/** Every helper name, including Handlebars' built-ins, for validation and did-you-mean. */
export const HELPER_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(plainHelpers),
  ...Object.keys(optionHelpers),
  "if",
  "unless",
  "each",
  "with",
  "lookup",
  "log",
]);
