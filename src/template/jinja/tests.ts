// Jinja tests (`x is defined`, `x is match('re')`) and Ansible's task-result tests
// (succeeded, failed, changed, skipped), with ansible-core 2.14's rules.
import { type Args, arg, type Test } from "./calls.js";
import {
  checkDefined,
  compare,
  contains,
  ExprError,
  equal,
  isDict,
  isFloat,
  isNumber,
  num,
  str,
  truthy,
  Undefined,
} from "./python.js";
import { pyRegex } from "./regex.js";

function regexTest(kind: "match" | "search"): Test {
  return (v, a) => {
    const pattern = String(arg(a, 0, "pattern", ""));
    const re = pyRegex(pattern, {
      ignorecase: Boolean(arg(a, 1, "ignorecase", false)),
      multiline: Boolean(arg(a, 2, "multiline", false)),
    });
    const m = re.exec(str(v));
    return m !== null && (kind === "search" || m.index === 0);
  };
}

function resultTest(name: string, fn: (r: Record<string, unknown>) => unknown): Test {
  return (v) => {
    if (!isDict(v)) throw new ExprError(`The '${name}' test expects a dictionary`);
    return fn(v);
  };
}

const failed = (r: Record<string, unknown>) => r.failed ?? false;

const changed = (r: Record<string, unknown>): unknown => {
  if (Object.hasOwn(r, "changed")) return r.changed;
  if (Array.isArray(r.results))
    return r.results.some((x) => isDict(x) && Object.hasOwn(x, "changed") && truthy(x.changed));
  return false;
};

/** LooseVersion-style comparison: numbers and letters, part by part. */
function versionCompare(a: string, b: string): number {
  const parts = (s: string) => s.match(/\d+|[a-z]+/gi) ?? [];
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    const c = pn && qn ? Math.sign(Number(p) - Number(q)) : pn ? 1 : qn ? -1 : p < q ? -1 : p > q ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  eq: (c) => c === 0,
  "==": (c) => c === 0,
  ne: (c) => c !== 0,
  "!=": (c) => c !== 0,
  "<>": (c) => c !== 0,
  lt: (c) => c < 0,
  "<": (c) => c < 0,
  le: (c) => c <= 0,
  "<=": (c) => c <= 0,
  gt: (c) => c > 0,
  ">": (c) => c > 0,
  ge: (c) => c >= 0,
  ">=": (c) => c >= 0,
};

const version: Test = (v, a) => {
  const op = String(arg(a, 1, "operator", "eq"));
  const check = VERSION_OPS[op];
  if (!check) throw new ExprError(`Invalid operator type (${op})`);
  return check(versionCompare(str(v), str(arg(a, 0, "version"))));
};

const cmp =
  (fn: (c: number) => boolean, op: string): Test =>
  (v, a) =>
    fn(compare(v, a.pos[0], op));

export const TESTS: Record<string, Test> = {
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  none: (v) => v === null,
  match: regexTest("match"),
  search: regexTest("search"),
  regex: (v, a) =>
    regexTest(String(arg(a, 3, "match_type", "search")) === "match" ? "match" : "search")(
      v,
      a,
      undefined as never,
    ),
  succeeded: resultTest("succeeded", (r) => !truthy(failed(r))),
  success: resultTest("success", (r) => !truthy(failed(r))),
  successful: resultTest("successful", (r) => !truthy(failed(r))),
  failed: resultTest("failed", failed),
  failure: resultTest("failure", failed),
  changed: resultTest("changed", changed),
  change: resultTest("change", changed),
  skipped: resultTest("skipped", (r) => r.skipped ?? false),
  skip: resultTest("skip", (r) => r.skipped ?? false),
  truthy: (v, a) => (arg(a, 0, "convert_bool", false) ? isTrueWord(v) : truthy(v)),
  falsy: (v, a) => !(arg(a, 0, "convert_bool", false) ? isTrueWord(v) : truthy(v)),
  string: (v) => typeof v === "string",
  number: (v) => isNumber(v) || typeof v === "boolean",
  integer: (v) => isNumber(v) && !isFloat(v),
  float: (v) => isFloat(v),
  boolean: (v) => typeof v === "boolean",
  true: (v) => v === true,
  false: (v) => v === false,
  mapping: (v) => isDict(v),
  sequence: (v) => typeof v === "string" || Array.isArray(v) || isDict(v),
  iterable: (v) => typeof v === "string" || Array.isArray(v) || isDict(v),
  equalto: (v, a) => equal(v, a.pos[0]),
  eq: (v, a) => equal(v, a.pos[0]),
  "==": (v, a) => equal(v, a.pos[0]),
  sameas: (v, a) => v === a.pos[0],
  ne: (v, a) => !equal(v, a.pos[0]),
  "!=": (v, a) => !equal(v, a.pos[0]),
  lt: cmp((c) => c < 0, "<"),
  "<": cmp((c) => c < 0, "<"),
  le: cmp((c) => c <= 0, "<="),
  "<=": cmp((c) => c <= 0, "<="),
  gt: cmp((c) => c > 0, ">"),
  ">": cmp((c) => c > 0, ">"),
  ge: cmp((c) => c >= 0, ">="),
  ">=": cmp((c) => c >= 0, ">="),
  in: (v, a) => contains(a.pos[0], v),
  contains: (v, a) => contains(v, a.pos[0]),
  odd: (v) => num(checkDefined(v)) % 2 !== 0,
  even: (v) => num(checkDefined(v)) % 2 === 0,
  divisibleby: (v, a) => num(v) % num(a.pos[0]) === 0,
  lower: (v) => typeof v === "string" && v === v.toLowerCase(),
  upper: (v) => typeof v === "string" && v === v.toUpperCase(),
  version,
  version_compare: version,
  subset: (v, a) => (v as unknown[]).every((x) => contains(a.pos[0], x)),
  superset: (v, a) => (a.pos[0] as unknown[]).every((x) => contains(v, x)),
};

function isTrueWord(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  const s = typeof v === "string" ? v.toLowerCase() : v;
  return s === "yes" || s === "on" || s === "1" || s === "true" || s === 1;
}

/** Tests that look at an undefined value themselves. */
const TAKES_UNDEFINED = new Set(["defined", "undefined"]);

export function applyTest(name: string, value: unknown, args: Args): boolean {
  const short = name.replace(/^ansible\.builtin\./, "");
  const fn = Object.hasOwn(TESTS, short) ? TESTS[short] : undefined;
  if (!fn) throw new ExprError(`no test named '${name}'`);
  if (value instanceof Undefined && !TAKES_UNDEFINED.has(short)) throw new ExprError(value.message());
  return truthy(fn(value, args, undefined as never));
}
