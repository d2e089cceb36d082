// The Handlebars half of the template module: Handlebars (noEscape) with Ansible's expectations.
// A value that is exactly one `{{ … }}` keeps its native type, objects render as JSON inside
// text, and an undefined name is an error rather than an empty string (except as the first
// argument of `default`). ./engine.ts decides when a template is Handlebars.
import Handlebars from "handlebars";
import { didYouMean } from "../errors.js";
import { HELPER_NAMES, optionHelpers, plainHelpers } from "./helpers.js";

type AST = hbs.AST.Program;
type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;
type Call = hbs.AST.MustacheStatement | hbs.AST.SubExpression | hbs.AST.BlockStatement;

/** A Handlebars problem (syntax, unknown helper, undefined name): engine.ts adds context. */
export class HandlebarsError extends Error {}

/** A path a template reads: checked before rendering, and statically against known names. */
export interface PathRef {
  parts: string[];
  original: string;
  /** First argument of `default`: may be undefined. */
  optional: boolean;
}

export interface CompiledHandlebars {
  native: boolean;
  refs: PathRef[];
  run: Handlebars.TemplateDelegate;
}

const hb = Handlebars.create();
let captured: unknown;
hb.registerHelper("__native", (value: unknown) => {
  captured = value;
  return "";
});
hb.registerHelper("__text", (value: unknown) =>
  value === undefined || value === null
    ? ""
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value),
);
for (const [name, fn] of Object.entries(plainHelpers)) {
  hb.registerHelper(name, (...args: unknown[]) => fn(...args.slice(0, -1)));
}
for (const [name, fn] of Object.entries(optionHelpers)) {
  hb.registerHelper(name, (...args: unknown[]) => fn(args.slice(0, -1), args.at(-1) as object));
}

/** Parse and analyse a Handlebars template; throws HandlebarsError with a one-line reason. */
export function compileHandlebars(text: string): CompiledHandlebars {
  let ast: AST;
  try {
    ast = hb.parse(text);
  } catch (err) {
    throw new HandlebarsError(`invalid template: ${describeParseError((err as Error).message)}`);
  }
  const refs: PathRef[] = [];
  const helpers = new Set<string>();
  walkProgram(ast, { refs, helpers }, true);
  for (const name of helpers) {
    if (!HELPER_NAMES.has(name))
      throw new HandlebarsError(`unknown helper "${name}"${didYouMean(name, HELPER_NAMES)}`);
  }
  const native = isSingleMustache(ast);
  rewrite(ast, native ? "__native" : "__text");
  return {
    native,
    refs,
    run: hb.compile(ast as unknown as string, { noEscape: true, preventIndent: true }),
  };
}

/** Render with `vars` as the context; single-expression templates return the native value. */
export function runHandlebars(
  t: CompiledHandlebars,
  vars: Record<string, unknown>,
  env: Record<string, string | undefined>,
): unknown {
  for (const ref of t.refs) if (!ref.optional) assertDefined(ref, vars);
  const data = { rollcall: { env } };
  try {
    if (t.native) {
      captured = undefined;
      t.run(vars, { data });
      return captured;
    }
    return t.run(vars, { data });
  } catch (err) {
    if (err instanceof HandlebarsError) throw err;
    throw new HandlebarsError(oneLine((err as Error).message));
  }
}

function assertDefined(ref: PathRef, vars: Record<string, unknown>): void {
  let cur: unknown = vars;
  for (let i = 0; i < ref.parts.length; i++) {
    const part = ref.parts[i]!;
    const ok = cur !== null && typeof cur === "object" && Object.hasOwn(cur, part);
    const next = ok ? (cur as Record<string, unknown>)[part] : undefined;
    if (next === undefined) {
      if (i === 0) throw new HandlebarsError(`undefined variable "${part}"`);
      const parent = ref.parts.slice(0, i).join(".");
      throw new HandlebarsError(`"${ref.original}" is undefined: "${parent}" has no field "${part}"`);
    }
    cur = next;
  }
}

function isSingleMustache(ast: AST): boolean {
  const body = ast.body.filter((s) => !(s.type === "ContentStatement" && /^\s*$/.test(contentOf(s))));
  return body.length === 1 && body[0]!.type === "MustacheStatement";
}

function contentOf(s: hbs.AST.Statement): string {
  return (s as hbs.AST.ContentStatement).value;
}

interface Walk {
  refs: PathRef[];
  helpers: Set<string>;
}

function walkProgram(prog: AST | undefined, w: Walk, checked: boolean): void {
  for (const stmt of prog?.body ?? []) {
    if (stmt.type === "MustacheStatement") walkCall(stmt as Call, w, checked);
    else if (stmt.type === "BlockStatement") {
      const block = stmt as hbs.AST.BlockStatement;
      walkCall(block, w, checked);
      // #each / #with / custom blocks change the context: names inside are not ours to check.
      const sameContext = ["if", "unless"].includes(pathName(block.path));
      walkProgram(block.program, w, checked && sameContext);
      walkProgram(block.inverse, w, checked && sameContext);
    } else if (stmt.type === "PartialStatement" || stmt.type === "PartialBlockStatement") {
      throw new HandlebarsError("partials are not supported");
    }
  }
}

function isHelperCall(node: Call): boolean {
  if (node.type !== "MustacheStatement") return true;
  if (node.path.type !== "PathExpression") return false;
  // A bare `{{ name }}` is always a variable, even when a helper has that name (`list`, `first`):
  // variables from inventories must not be shadowed by helpers.
  return node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
}

function walkCall(node: Call, w: Walk, checked: boolean): void {
  if (!isHelperCall(node)) {
    walkExpr(node.path, w, checked, false);
    return;
  }
  const name = pathName(node.path);
  w.helpers.add(name);
  node.params.forEach((p, i) => {
    walkExpr(p, w, checked, name === "default" && i === 0);
  });
  for (const pair of node.hash?.pairs ?? []) walkExpr(pair.value, w, checked, false);
}

function walkExpr(e: Expr, w: Walk, checked: boolean, optional: boolean): void {
  if (e.type === "SubExpression") {
    walkCall(e as hbs.AST.SubExpression, w, checked);
    return;
  }
  if (e.type !== "PathExpression" || !checked) return;
  const p = e as hbs.AST.PathExpression;
  if (p.data || p.depth > 0 || p.parts.length === 0) return;
  w.refs.push({ parts: [...p.parts], original: p.original, optional });
}

function pathName(e: Expr): string {
  return e.type === "PathExpression"
    ? (e as hbs.AST.PathExpression).original
    : String((e as { value?: unknown }).value);
}

/** Wrap every top-level-output mustache in a formatting helper (native capture or text). */
function rewrite(node: Node | undefined, helper: string): void {
  if (!node) return;
  if (node.type === "Program") for (const s of (node as AST).body) rewrite(s, helper);
  else if (node.type === "BlockStatement") {
    rewrite((node as hbs.AST.BlockStatement).program, helper);
    rewrite((node as hbs.AST.BlockStatement).inverse, helper);
  } else if (node.type === "MustacheStatement") {
    const m = node as hbs.AST.MustacheStatement;
    const inner: Expr = isHelperCall(m)
      ? ({
          type: "SubExpression",
          path: m.path,
          params: m.params,
          hash: m.hash,
          loc: m.loc,
        } as hbs.AST.SubExpression)
      : m.path;
    m.path = { type: "PathExpression", data: false, depth: 0, parts: [helper], original: helper, loc: m.loc };
    m.params = [inner];
    (m as { hash?: hbs.AST.Hash }).hash = undefined;
  }
}

/** "Parse error on line 1: … got 'EQUALS'" → "unexpected "=" at line 1, column 6" plus a hint. */
function describeParseError(message: string): string {
  const lines = message.split("\n");
  const line = /line (\d+)/.exec(lines[0] ?? "")?.[1] ?? "1";
  const caret = lines.find((l) => /^-*\^$/.test(l));
  const got = /got '([A-Z_]+)'/.exec(message)?.[1];
  const where = caret ? ` at line ${line}, column ${caret.length}` : "";
  const what =
    got === "EOF" ? "unexpected end of template" : got ? `unexpected ${got.toLowerCase()}` : oneLine(message);
  return `${what}${where}`;
}

function oneLine(text: string): string {
  return (
    text
      .split("\n")
      .filter((l) => l.trim() && !/^-*\^$/.test(l.trim()))[0]
      ?.trim() ?? text
  );
}
