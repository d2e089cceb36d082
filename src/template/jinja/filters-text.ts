// Filters over scalars: conversions (int, float, bool, string), text (lower, replace, regex_*,
// split, quote, basename…) and serialisation (to_json, to_yaml, b64encode…).
import { parse as parseYaml } from "yaml";
import { type Args, arg, type Filter } from "./calls.js";
import { ExprError, float, isFloat, isNumber, num, PyFloat, str, typeName } from "./python.js";
import { pyRegex, pyReplacement } from "./regex.js";
import { jsonDumps, yamlDump } from "./serialize.js";

const PY_INT = /^\s*[-+]?\d+(_\d+)*\s*$/;
const PY_FLOAT = /^\s*[-+]?((\d+(_\d+)*)?\.?\d+(_\d+)*([eE][-+]?\d+)?|\d+\.|inf(inity)?|nan)\s*$/i;

function toFloat(v: unknown): number | undefined {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (isNumber(v)) return num(v);
  if (typeof v === "string" && PY_FLOAT.test(v)) {
    const t = v.trim().replaceAll("_", "").toLowerCase();
    if (/^[-+]?inf(inity)?$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
    if (/^[-+]?nan$/.test(t)) return Number.NaN;
    return Number(t);
  }
  return undefined;
}

/** int(value, default=0, base=10), as Jinja's do_int. */
const toInt: Filter = (v, a) => {
  const fallback = arg(a, 0, "default", 0);
  const base = Number(arg(a, 1, "base", 10));
  if (typeof v === "string") {
    if (base === 10 && PY_INT.test(v)) return Number(v.trim().replaceAll("_", ""));
    if (base !== 10) {
      const n = Number.parseInt(v.trim().replace(/^0[xob]/i, ""), base);
      if (!Number.isNaN(n)) return n;
    }
  }
  const f = toFloat(v);
  return f === undefined || !Number.isFinite(f) ? fallback : Math.trunc(f);
};

const toFloatFilter: Filter = (v, a) => {
  const f = toFloat(v);
  return f === undefined ? arg(a, 0, "default", new PyFloat(0)) : float(f);
};

/** Ansible's bool filter (to_bool): yes/on/1/true are true, everything else false. */
const toBool: Filter = (v) => {
  if (v === null || typeof v === "boolean") return v;
  const s = typeof v === "string" ? v.toLowerCase() : v;
  return s === "yes" || s === "on" || s === "1" || s === "true" || (isNumber(s) && num(s) === 1);
};

const text =
  (fn: (s: string, a: Args) => unknown): Filter =>
  (v, a) =>
    fn(str(v), a);

function regexFlags(a: Args, first: number) {
  return {
    ignorecase: Boolean(arg(a, first, "ignorecase", false)),
    multiline: Boolean(arg(a, first + 1, "multiline", false)),
  };
}

const regexSearch: Filter = (v, a) => {
  const groups = a.pos.slice(1).map((g) => {
    const s = String(g);
    const named = /^\\g<(\S+)>$/.exec(s);
    if (named) return named[1]!;
    const numbered = /^\\(\d+)$/.exec(s);
    if (numbered) return Number(numbered[1]);
    throw new ExprError("Unknown argument");
  });
  const m = pyRegex(String(a.pos[0] ?? ""), {
    ignorecase: Boolean(a.kw.ignorecase),
    multiline: Boolean(a.kw.multiline),
  }).exec(str(v));
  if (!m) return null;
  if (groups.length === 0) return m[0];
  return groups.map((g) => (typeof g === "number" ? (m[g] ?? null) : (m.groups?.[g] ?? null)));
};

const regexFindall: Filter = (v, a) => {
  const re = pyRegex(String(arg(a, 0, "regex", "")), regexFlags(a, 1), true);
  return [...str(v).matchAll(re)].map((m) =>
    m.length <= 1 ? m[0] : m.length === 2 ? (m[1] ?? "") : m.slice(1).map((g) => g ?? ""),
  );
};

function pySplit(s: string, sep: unknown, max: number): string[] {
  if (sep === null || sep === undefined) {
    const parts = s.trim().split(/\s+/).filter(Boolean);
    return max < 0 || parts.length <= max
      ? parts
      : [...parts.slice(0, max), s.trim().split(/\s+/).slice(max).join(" ")];
  }
  const d = String(sep);
  if (d === "") throw new ExprError("empty separator");
  const parts = s.split(d);
  return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(d)];
}

function pyBasename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

function pyDirname(p: string): string {
  const i = p.lastIndexOf("/") + 1;
  let head = p.slice(0, i);
  if (head && head !== "/".repeat(head.length)) head = head.replace(/\/+$/, "");
  return head;
}

function shellQuote(s: string): string {
  if (s === "") return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

function jsonOptions(a: Args, nice: boolean) {
  const indent = arg(a, 0, "indent", nice ? 4 : undefined);
  const seps = a.kw.separators as string[] | undefined;
  return {
    indent: indent === undefined || indent === null ? undefined : Number(indent),
    sortKeys: Boolean(a.kw.sort_keys ?? nice),
    ensureAscii: a.kw.ensure_ascii === undefined ? true : Boolean(a.kw.ensure_ascii),
    ...(seps
      ? { separators: [String(seps[0]), String(seps[1])] as [string, string] }
      : nice
        ? { separators: [",", ": "] as [string, string] }
        : {}),
  };
}

function b64decode(s: string): string {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(s)) throw new ExprError("Invalid base64-encoded string");
  return Buffer.from(s, "base64").toString("utf8");
}

export const TEXT_FILTERS: Record<string, Filter> = {
  int: toInt,
  float: toFloatFilter,
  bool: toBool,
  string: (v) => str(v),
  lower: text((s) => s.toLowerCase()),
  upper: text((s) => s.toUpperCase()),
  capitalize: text((s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase()),
  title: text((s) =>
    s.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, p, c) => p + c.toUpperCase()),
  ),
  trim: text((s, a) => {
    const chars = arg(a, 0, "chars", null);
    if (chars === null) return s.replace(/^\s+|\s+$/g, "");
    const set = new Set(String(chars));
    let start = 0;
    let end = s.length;
    while (start < end && set.has(s[start]!)) start++;
    while (end > start && set.has(s[end - 1]!)) end--;
    return s.slice(start, end);
  }),
  replace: text((s, a) => {
    const from = str(arg(a, 0, "old"));
    const to = str(arg(a, 1, "new"));
    const count = arg(a, 2, "count", null);
    if (count === null) return s.split(from).join(to);
    const parts = s.split(from);
    const n = Number(count);
    return (
      parts.slice(0, n + 1).join(to) + (parts.length > n + 1 ? from + parts.slice(n + 1).join(from) : "")
    );
  }),
  regex_replace: (v, a) =>
    str(v).replace(
      pyRegex(String(arg(a, 0, "pattern", "")), regexFlags(a, 2), true),
      pyReplacement(str(arg(a, 1, "replacement", ""))),
    ),
  regex_search: regexSearch,
  regex_findall: regexFindall,
  regex_escape: text((s) => s.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)),
  split: text((s, a) => pySplit(s, arg(a, 0, "sep", null), Number(arg(a, 1, "maxsplit", -1)))),
  splitlines: text((s) => s.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== "")),
  abs: (v) => {
    if (!isNumber(v) && typeof v !== "boolean")
      throw new ExprError(`bad operand type for abs(): '${typeName(v)}'`);
    return isFloat(v) ? float(Math.abs(num(v))) : Math.abs(num(v));
  },
  round: (v, a) => {
    const precision = Number(arg(a, 0, "precision", 0));
    const method = String(arg(a, 1, "method", "common"));
    const f = 10 ** precision;
    const x = num(v) * f;
    const r =
      method === "ceil"
        ? Math.ceil(x)
        : method === "floor"
          ? Math.floor(x)
          : Math.sign(x) * Math.round(Math.abs(x));
    return float(r / f);
  },
  to_json: (v, a) => jsonDumps(v, jsonOptions(a, false)),
  to_nice_json: (v, a) => jsonDumps(v, jsonOptions(a, true)),
  from_json: text((s) => {
    try {
      return JSON.parse(s);
    } catch (err) {
      throw new ExprError(`from_json: ${(err as Error).message}`);
    }
  }),
  to_yaml: (v, a) =>
    yamlDump(v, {
      indent: Number(a.kw.indent ?? 2),
      flow: (a.kw.default_flow_style as boolean | undefined) ?? null,
    }),
  to_nice_yaml: (v, a) => yamlDump(v, { indent: Number(arg(a, 0, "indent", 4)), flow: false }),
  from_yaml: (v) => (typeof v === "string" ? parseYaml(v, { maxAliasCount: 100 }) : v),
  b64encode: text((s) => Buffer.from(s, "utf8").toString("base64")),
  b64decode: text(b64decode),
  basename: text(pyBasename),
  dirname: text(pyDirname),
  quote: (v) => shellQuote(v === null ? "" : str(v)),
};
