// Python's value semantics, as Jinja expressions in Ansible see them: int vs float, truthiness,
// str()/repr(), equality, ordering and the arithmetic operators. Values are plain JSON-like JS
// values; the only additions are PyFloat (a float whose value is integral, e.g. 4 / 2 = 2.0,
// which a JS number cannot tell from 2) and Undefined (a name or field that is not there).

/** A float with an integral value (2.0): JS numbers cannot tell it from the int 2. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A missing variable or field: an error as soon as it is used (Ansible's strict undefined). */
export class Undefined {
  constructor(
    /** The expression as written ("a.b.c"). */
    readonly expr: string,
    /** Set when a field is missing: the part that exists and the missing field. */
    readonly parent?: string,
    readonly field?: string,
    /** A custom reason (e.g. "No first item, sequence was empty."). */
    readonly hint?: string,
  ) {}

  /** The same missing value seen through a further field access (`a.b` → `a.b.c`). */
  extend(suffix: string): Undefined {
    return new Undefined(this.expr + suffix, this.parent, this.field, this.hint);
  }

  message(): string {
    if (this.hint) return this.hint;
    if (this.parent === undefined) return `undefined variable "${this.expr}"`;
    return `"${this.expr}" is undefined: "${this.parent}" has no field "${this.field}"`;
  }
}

/** A failure while evaluating: becomes a TemplateError with this message. */
export class ExprError extends Error {}

export function undefinedError(u: Undefined): ExprError {
  return new ExprError(u.message());
}

export type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat);
}

export function isNumber(v: unknown): v is number | PyFloat {
  return typeof v === "number" || v instanceof PyFloat;
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}

export function num(v: unknown): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v as number;
}

/** A float result: integral values are boxed so they still print as "2.0". */
export function float(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  if (v instanceof Undefined) return "AnsibleUndefined";
  if (typeof v === "boolean") return "bool";
  if (isNumber(v)) return isFloat(v) ? "float" : "int";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  return "dict";
}

/** Python's bool(). Using an undefined value is an error (strict undefined). */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) throw undefinedError(v);
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (isNumber(v)) return num(v) !== 0;
  if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
  return Object.keys(v as object).length > 0;
}

export function checkDefined<T>(v: T): Exclude<T, Undefined> {
  if (v instanceof Undefined) throw undefinedError(v);
  return v as Exclude<T, Undefined>;
}

/** Python's repr() of a float. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const [mant, expText] = n.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const sign = mant.startsWith("-") ? "-" : "";
  const digits = mant.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || "0"}`;
}

/** Python's repr() of a string: single quotes unless the text has ' and no ". */
export function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

export function repr(v: unknown): string {
  if (typeof v === "string") return stringRepr(v);
  if (Array.isArray(v)) return `[${v.map(repr).join(", ")}]`;
  if (isDict(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${stringRepr(k)}: ${repr(x)}`)
      .join(", ")}}`;
  return str(v);
}

/** Python's str(): what `{{ value }}` prints inside text. */
export function str(v: unknown): string {
  if (v instanceof Undefined) throw undefinedError(v);
  if (v === null || v === undefined) return "None";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : floatRepr(v);
  return repr(v);
}

/** Python's ==, which treats 1, 1.0 and True alike and compares containers by value. */
export function equal(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return false;
  const an = isNumber(a) || typeof a === "boolean";
  const bn = isNumber(b) || typeof b === "boolean";
  if (an || bn) return an && bn && num(a) === num(b);
  if (a === null || b === null) return a === b;
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equal(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}

function typeError(op: string, a: unknown, b: unknown): ExprError {
  return new ExprError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's ordering for <, >, <=, >=, sort, min and max: numbers, strings or lists only. */
export function compare(a: unknown, b: unknown, op = "<"): number {
  checkDefined(a);
  checkDefined(b);
  const an = isNumber(a) || typeof a === "boolean";
  const bn = isNumber(b) || typeof b === "boolean";
  if (an && bn) return Math.sign(num(a) - num(b));
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!equal(a[i], b[i])) return compare(a[i], b[i], op);
    }
    return Math.sign(a.length - b.length);
  }
  throw typeError(op, a, b);
}

/** Python's `in`. */
export function contains(container: unknown, item: unknown): boolean {
  checkDefined(container);
  checkDefined(item);
  if (typeof container === "string") {
    if (typeof item !== "string")
      throw new ExprError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => equal(x, item));
  if (isDict(container)) return typeof item === "string" && Object.hasOwn(container, item);
  throw new ExprError(`argument of type '${typeName(container)}' is not iterable`);
}

export const MISSING = Symbol("missing");

/** `target[key]` / `target.key` as Jinja's getitem: MISSING when there is no such item. */
export function subscript(target: unknown, key: unknown): unknown {
  if (Array.isArray(target) || typeof target === "string") {
    if (typeof key !== "number" && typeof key !== "boolean") return MISSING;
    const i = num(key);
    if (!Number.isInteger(i) || i >= target.length || i < -target.length) return MISSING;
    return target.at(i);
  }
  if (isDict(target)) {
    const k = typeof key === "string" ? key : str(key);
    return Object.hasOwn(target, k) && target[k] !== undefined ? target[k] : MISSING;
  }
  return MISSING;
}

/** Python's iter(): lists, the characters of a string, the keys of a dict. */
export function iterate(v: unknown): unknown[] {
  checkDefined(v);
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new ExprError(`'${typeName(v)}' object is not iterable`);
}

/** len(). */
export function length(v: unknown): number {
  checkDefined(v);
  if (typeof v === "string") return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  throw new ExprError(`object of type '${typeName(v)}' has no len()`);
}
