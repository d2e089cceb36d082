// Which language a template is written in. The rule (docs/templates.md, "Recognition"):
// a value with Jinja statements or comments ({% %}, {# #}, {{- -}}) is Jinja; a value with
// Handlebars blocks ({{#if}}, {{/if}}, {{else}}, {{! }}, {{{ }}}) is Handlebars; otherwise each
// {{ … }} is looked at alone: a plain name, path or literal fits both; a call of a Handlebars
// helper (`default x 1`, `eq a b`, `not x`) is Handlebars; anything else that parses as Jinja is
// Jinja; what only Handlebars parses is Handlebars. One value uses one language: mixing the two,
// or a {{ … }} that means different things in each (`a-b`), is an error, never a guess.
import Handlebars from "handlebars";
import { HELPER_NAMES } from "./helpers.js";
import { parsesAsJinja } from "./jinja/parse.js";

export type Language = "handlebars" | "jinja";

export class RecognitionError extends Error {}

const HB_BLOCK = /\{\{\{|\{\{~|~\}\}|\{\{\s*(?:[#/^!>&]|else\b)/;
const JINJA_STATEMENT = /\{%[\s\S]*?%\}|\{#[\s\S]*?#\}|\{\{-|-\}\}/;
const PLAIN =
  /^\s*(?:-?\d+(?:\.\d+)?|'[^'\\{}]*'|"[^"\\{}]*"|true|false|(?!(?:True|False|None|none|null|undefined)\s*$)[A-Za-z_]\w*(?:\.(?:[A-Za-z_]\w*|\d+))*)\s*$/;

/** Whether a string holds template syntax at all. */
export function hasTemplateSyntax(text: string): boolean {
  return text.includes("{{") || JINJA_STATEMENT.test(text);
}

export function recognize(text: string): Language {
  const hbBlocks = HB_BLOCK.test(text);
  const jinjaStatements = JINJA_STATEMENT.test(text);
  if (hbBlocks && jinjaStatements)
    throw new RecognitionError(
      "mixes Handlebars blocks ({{#…}}) and Jinja statements ({% … %}) in one value: write it in one language",
    );
  if (hbBlocks) return "handlebars";
  if (jinjaStatements) return "jinja";
  let hb: string | undefined;
  let jinja: string | undefined;
  for (const expr of expressions(text)) {
    const kind = classify(expr);
    if (kind === "handlebars") hb ??= expr;
    else if (kind === "jinja") jinja ??= expr;
  }
  if (hb !== undefined && jinja !== undefined)
    throw new RecognitionError(
      `mixes Handlebars (${shorten(hb)}) and Jinja (${shorten(jinja)}) in one value: write it in one language`,
    );
  return jinja !== undefined ? "jinja" : "handlebars";
}

function shorten(expr: string): string {
  const s = `{{ ${expr.trim()} }}`;
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/** What one {{ … }} is: fits both ("plain"), or only one language reads it as written. */
function classify(expr: string): Language | "plain" {
  if (PLAIN.test(expr)) return "plain";
  const hb = handlebarsReading(expr);
  if (hb?.helperCall) return "handlebars";
  if (/^\s*(?:null|undefined)\s*$/.test(expr)) return "handlebars";
  if (parsesAsJinja(`{{ ${expr} }}`)) {
    if (hb?.path && /\w[-/]\w/.test(hb.path))
      throw new RecognitionError(
        `"{{ ${expr.trim()} }}" is ambiguous: Handlebars reads the variable "${hb.path}", Jinja an expression; write {{ [${hb.path}] }} for the variable or put spaces around the operator for the expression`,
      );
    return "jinja";
  }
  if (hb) return "handlebars";
  // Neither parses: report it in the language it looks like (a helper name first: Handlebars).
  const first = /^\s*([A-Za-z_][\w-]*)\s/.exec(expr)?.[1];
  return first !== undefined && HELPER_NAMES.has(first) ? "handlebars" : "jinja";
}

interface HbReading {
  helperCall: boolean;
  /** Set when Handlebars reads the whole expression as one variable path. */
  path?: string;
}

function handlebarsReading(expr: string): HbReading | undefined {
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(`{{${expr}}}`);
  } catch {
    return undefined;
  }
  const m = ast.body[0];
  if (ast.body.length !== 1 || m?.type !== "MustacheStatement") return undefined;
  const must = m as hbs.AST.MustacheStatement;
  const name =
    must.path.type === "PathExpression" ? (must.path as hbs.AST.PathExpression).original : undefined;
  const hasArgs = must.params.length > 0 || (must.hash?.pairs.length ?? 0) > 0;
  if (hasArgs) return { helperCall: name !== undefined && HELPER_NAMES.has(name) };
  return { helperCall: false, ...(name !== undefined ? { path: name } : {}) };
}

/**
 * The text handed to the Jinja parser: nunjucks' lexer ends an expression at the first `}}`,
 * while Jinja balances brackets (`{{ {'a': {'b': 1}} }}`); a space between two closing braces
 * inside an expression keeps the meaning and lets nunjucks read it.
 */
export function jinjaSource(text: string): string {
  let out = "";
  let depth = 0;
  let quote: string | undefined;
  let inside = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    if (!inside) {
      if (two === "{{" || two === "{%") {
        inside = true;
        depth = 0;
        out += two;
        i++;
        continue;
      }
    } else if (quote) {
      if (c === "\\") {
        out += c + (text[i + 1] ?? "");
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if ((c === ")" || c === "]" || c === "}") && depth > 0) {
      depth--;
      out += c === "}" && text[i + 1] === "}" ? "} " : c;
      continue;
    } else if (depth === 0 && (two === "}}" || two === "%}")) inside = false;
    out += c;
  }
  return out;
}

/** The inside of every {{ … }} (quotes and brackets respected, so `{{ {'a': 1} }}` is one). */
export function expressions(text: string): string[] {
  const out: string[] = [];
  let i = text.indexOf("{{");
  while (i >= 0) {
    let j = i + 2;
    let depth = 0;
    let quote: string | undefined;
    for (; j < text.length; j++) {
      const c = text[j]!;
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "(" || c === "[" || c === "{") depth++;
      else if ((c === ")" || c === "]" || c === "}") && depth > 0) depth--;
      else if (c === "}" && text[j + 1] === "}") break;
    }
    out.push(text.slice(i + 2, j));
    i = text.indexOf("{{", j + 2);
  }
  return out;
}
