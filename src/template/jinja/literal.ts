// Ansible's literal_eval step: a rendered value whose text starts with `[` or `{`, or is
// "True"/"False", is read back as a Python literal (JSON's true/false/null too). Anything that
// is not a plain literal stays the string it was.
import { type JNode, parseJinja } from "./parse.js";
import { float, PyFloat } from "./python.js";

const NO = Symbol("not a literal");

export function literalEval(text: string): unknown {
  if (!(text.startsWith("[") || text.startsWith("{") || text === "True" || text === "False")) return text;
  if (text === "True") return true;
  if (text === "False") return false;
  // Jinja's expression grammar is a superset of Python's literal grammar for these shapes.
  if (text.includes("{{") || text.includes("{%") || text.includes("{#") || text.includes("}}")) {
    // Braces that would confuse the template lexer: leave the text as it is.
    return text;
  }
  let root: JNode;
  try {
    root = parseJinja(`{{ ${text} }}`);
  } catch {
    return text;
  }
  const out = root.children?.[0]?.children;
  if (root.children?.length !== 1 || out?.length !== 1) return text;
  const value = literal(out[0]!, `{{ ${text} }}`);
  return value === NO ? text : value;
}

function literal(node: JNode, src: string): unknown {
  switch (node.typename) {
    case "Literal": {
      if (typeof node.value === "number") return numberLiteral(node, src);
      return node.value ?? null;
    }
    case "Symbol":
      return (
        ({ True: true, False: false, None: null } as Record<string, unknown>)[node.value as string] ?? NO
      );
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
