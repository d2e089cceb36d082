// The one template engine: plays, inventory compose/keyed groups and the Salt roster all render
// through here. A template is Handlebars or Ansible's Jinja (./recognize.ts says which); a value
// that is exactly one `{{ … }}` keeps its native type; an undefined name is an error naming it;
// a template's output is data and is never rendered again (./trusted.ts); every top-level render
// runs within a budget (./budget.ts).
import { Budget, BudgetError } from "./budget.js";
import {
  type CompiledHandlebars,
  compileHandlebars,
  HandlebarsError,
  type PathRef,
  runHandlebars,
} from "./handlebars.js";
import { isTruthy } from "./helpers.js";
import { Evaluator, type JinjaContext, NativeText } from "./jinja/evaluate.js";
import { literalEval } from "./jinja/literal.js";
import { JinjaSyntaxError, type JNode, parseJinja } from "./jinja/parse.js";
import { ExprError, PyFloat, str, truthy, Undefined } from "./jinja/python.js";
import { jinjaRefs } from "./jinja/refs.js";
import { hasTemplateSyntax, jinjaSource, type Language, RecognitionError, recognize } from "./recognize.js";
import { lazyVars, TemplateText } from "./trusted.js";

export type { PathRef } from "./handlebars.js";
export type { Language } from "./recognize.js";
export { lazyVars, TemplateText, trustTemplates } from "./trusted.js";

export class TemplateError extends Error {}

export interface TemplateScope {
  /** Variables visible to the template. Values wrapped in TemplateText are trusted templates. */
  vars: Record<string, unknown>;
  env: Record<string, string | undefined>;
}

export interface CompiledTemplate {
  language: Language;
  /** Names the template reads (for the check that they are defined before a run). */
  refs: PathRef[];
  hb?: CompiledHandlebars;
  jinja?: JNode;
  /** The text the Jinja tree was parsed from (see jinjaSource). */
  src?: string;
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 5000;

export function isTemplate(value: unknown): value is string {
  return typeof value === "string" && hasTemplateSyntax(value);
}

/** Any template string anywhere inside a value. */
export function containsTemplate(value: unknown): boolean {
  if (isTemplate(value)) return true;
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value && typeof value === "object") return Object.values(value).some(containsTemplate);
  return false;
}

/** A condition or bare expression (`eq a 1`, `result.rc == 0`) as a template. */
export function expressionTemplate(expr: string): string {
  return expr.includes("{{") ? expr : `{{ ${expr} }}`;
}

/** Recognise, parse and analyse a template; throws TemplateError with a one-line reason. */
export function compileTemplate(text: string): CompiledTemplate {
  const hit = cache.get(text);
  if (hit) return hit;
  let compiled: CompiledTemplate;
  try {
    const language = recognize(text);
    if (language === "jinja") {
      const src = jinjaSource(text);
      const jinja = parseJinja(src);
      compiled = { language, jinja, src, refs: jinjaRefs(jinja) };
    } else {
      const hb = compileHandlebars(text);
      compiled = { language, hb, refs: hb.refs };
    }
  } catch (err) {
    if (err instanceof JinjaSyntaxError) {
      const where = err.line ? ` at line ${err.line}, column ${err.col}` : "";
      throw new TemplateError(`invalid template: ${err.message}${where}`);
    }
    if (err instanceof HandlebarsError || err instanceof RecognitionError)
      throw new TemplateError(err.message);
    throw err;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, compiled);
  return compiled;
}

/** The budget of the render in progress (nested renders of trusted variables share it). */
let active: Budget | undefined;

function withBudget<T>(fn: (budget: Budget) => T): T {
  if (active) return fn(active);
  active = new Budget();
  try {
    return fn(active);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    if (err instanceof ExprError || err instanceof BudgetError || err instanceof HandlebarsError)
      throw new TemplateError(err.message);
    if (err instanceof RangeError) throw new TemplateError(`template evaluation failed: ${err.message}`);
    throw err;
  } finally {
    active = undefined;
  }
}

/** Render one template string; a value that is exactly one `{{ … }}` keeps its native type. */
export function renderString(text: string, scope: TemplateScope): unknown {
  if (!isTemplate(text)) return text;
  return withBudget((budget) => {
    const t = compileTemplate(text);
    const out = t.jinja ? renderJinja(t.jinja, t.src!, scope, budget) : renderHb(t.hb!, scope, budget);
    if (typeof out === "string") budget.spendChars(out.length);
    return out;
  });
}

/** Render every template string inside a value (lists and mappings are walked). */
export function renderValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === "string") return renderString(value, scope);
  if (value instanceof TemplateText) return renderTrusted(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope);
    return out;
  }
  return value;
}

/** Evaluate a condition (`when`, `until`, assert's `that`): booleans pass through. */
export function evaluateCondition(expr: string | boolean | number, scope: TemplateScope): boolean {
  if (typeof expr !== "string") return isTruthy(expr);
  const text = expressionTemplate(expr);
  const t = compileTemplate(text);
  if (!t.jinja) return isTruthy(renderString(text, scope));
  return withBudget((budget) => {
    if (text !== expr) {
      // A bare Jinja condition, as Ansible evaluates `{% if <expr> %}`: Python truthiness.
      const node = t.jinja!.children?.[0]?.children?.[0];
      if (node) return truthy(evaluator(t.src!, scope, budget).expr(node));
    }
    const out = renderJinja(t.jinja!, t.src!, scope, budget);
    return truthy(out);
  });
}

/** The scope's variables with trusted templates rendered when read (for modules). */
export function resolvedVars(scope: TemplateScope): Record<string, unknown> {
  return lazyVars(scope.vars, (t) => renderTrusted(t, scope));
}

/** Render a trusted value (a play var holding a template), one expansion level deeper. */
function renderTrusted(t: TemplateText, scope: TemplateScope): unknown {
  return withBudget((budget) => budget.nested(`"${t.name}"`, () => renderValue(t.value, scope)));
}

function renderHb(t: CompiledHandlebars, scope: TemplateScope, budget: Budget): unknown {
  budget.step();
  return runHandlebars(t, resolvedVars(scope), scope.env);
}

function evaluator(src: string, scope: TemplateScope, budget: Budget): Evaluator {
  const baseDir = typeof scope.vars.playbook_dir === "string" ? scope.vars.playbook_dir : undefined;
  const ctx: JinjaContext = {
    vars: scope.vars,
    env: scope.env,
    budget,
    src,
    ...(baseDir ? { baseDir } : {}),
    resolve: (value) => (value instanceof TemplateText ? renderTrusted(value, scope) : value),
  };
  return new Evaluator(ctx);
}

/**
 * Ansible's rendering (jinja2_native off): the output is text, and text that looks like a list,
 * a dict or a boolean is read back as one (ansible_eval_concat); a template that is one
 * top-level variable holding a number or boolean returns it as it is (Templar's SINGLE_VAR).
 */
function renderJinja(root: JNode, text: string, scope: TemplateScope, budget: Budget): unknown {
  const chunks: unknown[] = [];
  evaluator(text, scope, budget).render([root], chunks);
  if (chunks.length === 0) return "";
  const single = /^\{\{\s*(\w*)\s*\}\}$/.exec(text);
  if (single && chunks.length === 1) {
    const v = chunks[0];
    if (typeof v === "boolean" || typeof v === "number" || v instanceof PyFloat || v === null)
      return toNative(v);
  }
  if (chunks.length === 1 && chunks[0] instanceof NativeText) return chunks[0].text;
  const out = chunks
    .map((c) => (typeof c === "string" ? c : c instanceof NativeText ? c.text : str(c)))
    .join("");
  return toNative(literalEval(out));
}

/** Values leaving the engine: PyFloat becomes a number, undefined values are errors. */
function toNative(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof Undefined) throw new ExprError(v.message());
  if (Array.isArray(v)) return v.map(toNative);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toNative(x);
    return out;
  }
  return v;
}
