// Ansible's literal_eval step: a rendered value whose text starts with `[` or `{`, or is
// "True"/"False", is read back as a Python literal (JSON's true/false/null too). Anything that
// is not a plain literal stays the string it was.
import { jinjaSource } from "../recognize.js";
import { type JNode, parseJinja } from "./parse.js";
import { float, PyFloat } from "./python.js";

const NO = Symbol("not a literal");

export function literalEval(text: string): unknown {
  if (!(text.startsWith("[") || text.startsWith("{") || text === "True" || text === "False")) return text;
  if (text === "True") return true;
  if (text === "False") return false;
  // Jinja's expression grammar is a superset of Python's literal grammar for these shapes.
  if (text.includes("{%") || text.includes("{#")) return text;
  const src = jinjaSource(`{{ ${text} }}`);
  let root: JNode;
  try {
    root = parseJinja(src);
  } catch {
    return text;
  }
  const out = root.children?.[0]?.children;
  if (root.children?.length !== 1 || out?.length !== 1) return text;
  const value = literal(out[0]!, src);
  return value === NO ? text : value;
}

function literal(node: JNode, src: string): unknown {
  switch (node.typename) {
    case "Literal": {
      if (typeof node.value === "number") return numberLiteral(node, src);
      if (typeof node.value === "string") return stringLiteral(node, src, false);
      return node.value ?? null;
    }
    case "Symbol": {
      const names: Record<string, unknown> = { True: true, False: false, None: null };
      return Object.hasOwn(names, String(node.value)) ? names[String(node.value)] : NO;
    }
    case "Neg": {
      const v = literal(node.target as JNode, src);
      if (v instanceof PyFloat) return new PyFloat(-v.value);
      return typeof v === "number" ? -v : NO;
    }
    case "Array": {
      const items = (node.children ?? []).map((c) => literal(c, src));
      return items.includes(NO) ? NO : items;
    }
    case "Dict": {
      const out: Record<string, unknown> = {};
      for (const pair of node.children ?? []) {
        const k = literal(pair.key as JNode, src);
        const v = literal(pair.value as JNode, src);
        if (k === NO || v === NO || (typeof k !== "string" && typeof k !== "number")) return NO;
        out[String(k)] = v;
      }
      return out;
    }
    default:
      return NO;
  }
}

/** nunjucks reads `2.0` as 2: look at the source text to keep it a float. */
export function numberLiteral(node: JNode, src: string): number | PyFloat {
  const line = src.split("\n")[node.lineno] ?? "";
  const token = /^[0-9][0-9_]*(\.[0-9]*)?([eE][-+]?[0-9]+)?/.exec(line.slice(node.colno))?.[0] ?? "";
  const n = node.value as number;
  return /[.eE]/.test(token) ? float(n) : n;
}

/**
 * A string literal as Ansible reads it. Inside `{{ … }}` Ansible doubles every backslash before
 * Jinja sees it (Templar's _escape_backslashes), so backslashes there are literal:
 * `regex_replace('(\\w+)', '\\1')` needs no double escaping. Elsewhere (`{% … %}`, bare
 * conditions) Python's escape sequences apply, unknown ones kept as written.
 */
export function stringLiteral(node: JNode, src: string, raw: boolean): string {
  const line = src.split("\n")[node.lineno] ?? "";
  const quote = line[node.colno];
  if (quote !== "'" && quote !== '"') return String(node.value);
  let end = node.colno + 1;
  while (end < line.length && line[end] !== quote) end += line[end] === "\\" ? 2 : 1;
  if (end >= line.length) return String(node.value);
  const body = line.slice(node.colno + 1, end);
  return raw ? body : unescapePython(body);
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
};

function unescapePython(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    return ESCAPES[e] ?? m;
  });
}
