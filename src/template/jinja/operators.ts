// Python's arithmetic operators (+ - * / // % **) and Jinja's ~, with Python's type rules:
// int op int stays int (except /), any float makes a float, str + str and list + list
// concatenate, str * int repeats — within the render budget.
import type { Budget } from "../budget.js";
import {
  checkDefined,
  compare,
  ExprError,
  equal,
  float,
  isDict,
  isFloat,
  isNumber,
  num,
  PyFloat,
  str,
  typeName,
} from "./python.js";

export type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "**";

function unsupported(op: string, a: unknown, b: unknown): ExprError {
  return new ExprError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

const numeric = (v: unknown) => isNumber(v) || typeof v === "boolean";

export function arithmetic(op: BinaryOp, a: unknown, b: unknown, budget: Budget): unknown {
  checkDefined(a);
  checkDefined(b);
  if (numeric(a) && numeric(b)) return numberOp(op, a, b);
  if (op === "+") {
    if (typeof a === "string" && typeof b === "string") {
      budget.spendChars(a.length + b.length);
      return a + b;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      budget.checkSize(a.length + b.length);
      return [...a, ...b];
    }
    if (typeof a === "string") throw new ExprError(`can only concatenate str (not "${typeName(b)}") to str`);
    if (Array.isArray(a)) throw new ExprError(`can only concatenate list (not "${typeName(b)}") to list`);
  }
  if (op === "*") {
    const [seq, times] = numeric(a) ? [b, a] : [a, b];
    if ((typeof seq === "string" || Array.isArray(seq)) && numeric(times) && !isFloat(times)) {
      const n = Math.max(0, num(times));
      budget.checkSize(seq.length * n);
      if (typeof seq === "string") {
        budget.spendChars(seq.length * n);
        return seq.repeat(n);
      }
      return Array.from({ length: n }, () => seq).flat();
    }
  }
  if (op === "%" && typeof a === "string") return percentFormat(a, b);
  throw unsupported(op, a, b);
}

function numberOp(op: BinaryOp, a: unknown, b: unknown): unknown {
  const x = num(a);
  const y = num(b);
  const anyFloat = isFloat(a) || isFloat(b);
  const result = (n: number) => (anyFloat ? float(n) : n);
  switch (op) {
    case "+":
      return result(x + y);
    case "-":
      return result(x - y);
    case "*":
      return result(x * y);
    case "/":
      if (y === 0) throw new ExprError("division by zero");
      return float(x / y);
    case "//":
      if (y === 0) throw new ExprError("integer division or modulo by zero");
      return result(Math.floor(x / y));
    case "%": {
      if (y === 0) throw new ExprError("integer division or modulo by zero");
      const m = x - y * Math.floor(x / y);
      return result(m);
    }
    case "**": {
      if (!anyFloat && y < 0) return float(x ** y);
      return result(x ** y);
    }
  }
}

/** One comparison of a chain (`a < b <= c`). */
export function compareOp(kind: string, left: unknown, right: unknown): boolean {
  if (kind === "==" || kind === "!=") {
    checkDefined(left);
    checkDefined(right);
    return equal(left, right) === (kind === "==");
  }
  const c = compare(left, right, kind);
  return kind === "<" ? c < 0 : kind === ">" ? c > 0 : kind === "<=" ? c <= 0 : c >= 0;
}

export function negate(v: unknown): unknown {
  checkDefined(v);
  if (typeof v === "boolean") return v ? -1 : 0;
  if (v instanceof PyFloat) return new PyFloat(-v.value);
  if (typeof v === "number") return -v;
  throw new ExprError(`bad operand type for unary -: '${typeName(v)}'`);
}

/** Jinja's `~`: both sides as text. */
export function concat(a: unknown, b: unknown, budget: Budget): string {
  const s = str(a) + str(b);
  budget.spendChars(s.length);
  return s;
}

/** `'%s-%d' % (a, b)`: the common printf conversions. */
function percentFormat(fmt: string, arg: unknown): string {
  const args = Array.isArray(arg) ? [...arg] : isDict(arg) ? arg : [arg];
  let i = 0;
  const out = fmt.replace(
    /%(\([^)]*\))?([-+ 0#]*)(\d*)(?:\.(\d+))?([sdirfx%])/g,
    (_m, key, _fl, _w, prec, conv) => {
      if (conv === "%") return "%";
      const value = key ? (args as Record<string, unknown>)[key.slice(1, -1)] : (args as unknown[])[i++];
      if (value === undefined) throw new ExprError("not enough arguments for format string");
      switch (conv) {
        case "s":
          return str(value);
        case "r":
          return str(value);
        case "d":
        case "i":
          return String(Math.trunc(num(value)));
        case "f":
          return num(value).toFixed(prec === undefined ? 6 : Number(prec));
        default:
          return Math.trunc(num(value)).toString(16);
      }
    },
  );
  if (Array.isArray(args) && i < args.length)
    throw new ExprError("not all arguments converted during string formatting");
  return out;
}
