// Evaluates a Jinja syntax tree with Ansible's semantics: Python values (./python.ts), strict
// undefined names that `default` and `is defined` can look at, Ansible's filters, tests and
// lookups, {% if %}/{% for %}/{% set %}, and the render budget. Variables whose value is a
// template from a trusted place (play vars) are expanded through `resolve`; every other value
// is data and is never parsed.
import type { Budget } from "../budget.js";
import type { Args, CallEnv } from "./calls.js";
import { applyFilter } from "./filters.js";
import { numberLiteral, stringLiteral } from "./literal.js";
import { callFunction } from "./lookups.js";
import { callMethod } from "./methods.js";
import { arithmetic, type BinaryOp, compareOp, concat, negate } from "./operators.js";
import { exprText, type JNode } from "./parse.js";
import {
  checkDefined,
  contains,
  ExprError,
  iterate,
  MISSING,
  str,
  subscript,
  truthy,
  Undefined,
} from "./python.js";
import { applyTest } from "./tests.js";

export interface JinjaContext {
  vars: Record<string, unknown>;
  env: Record<string, string | undefined>;
  budget: Budget;
  baseDir?: string;
  /** The template text (number literals are re-read from it). */
  src: string;
  /** Expand a value read from a variable or field (trusted templates); data passes through. */
  resolve(value: unknown, name: string): unknown;
}

const CONSTANTS: Record<string, unknown> = { True: true, False: false, None: null };

/** Filters whose text output Ansible never reads back as a list/dict (STRING_TYPE_FILTERS). */
const STRING_FILTERS = new Set(["string", "to_json", "to_nice_json", "to_yaml", "to_nice_yaml"]);

/** Output of a string-type filter: stays text even when it looks like a list or a dict. */
export class NativeText {
  constructor(readonly text: string) {}
}

export class Evaluator {
  private readonly scopes: Map<string, unknown>[] = [];
  /** Evaluating inside `{{ … }}` (string literals keep their backslashes, as in Ansible). */
  private inOutput = false;
  readonly calls: CallEnv;

  constructor(private readonly ctx: JinjaContext) {
    this.calls = {
      budget: ctx.budget,
      env: ctx.env,
      vars: ctx.vars,
      baseDir: ctx.baseDir,
      test: (name, value, args) => applyTest(name, value, args),
      filter: (name, value, args) => applyFilter(name, value, args, this.calls),
      variable: (name) => this.variable(name),
    };
  }

  /** Render statements into chunks: raw values for `{{ }}`, strings for text. */
  render(nodes: JNode[], out: unknown[]): void {
    for (const node of nodes) this.statement(node, out);
  }

  private statement(node: JNode, out: unknown[]): void {
    this.ctx.budget.step();
    switch (node.typename) {
      case "Output":
      case "NodeList":
      case "Root":
        for (const c of node.children ?? []) {
          if (c.typename === "TemplateData") {
            const text = String(c.value ?? "");
            if (text) {
              this.ctx.budget.spendChars(text.length);
              out.push(text);
            }
          } else if (["If", "For", "Set", "Output", "NodeList"].includes(c.typename)) this.statement(c, out);
          else out.push(this.output(c));
        }
        return;
      case "If":
        if (truthy(this.expr(node.cond as JNode))) this.statement(node.body as JNode, out);
        else if (node.else_) this.statement(node.else_ as JNode, out);
        return;
      case "For":
        this.forLoop(node, out);
        return;
      case "Set":
        this.set(node);
        return;
      default:
        out.push(checkDefined(this.expr(node)));
    }
  }

  /** One `{{ … }}`: None prints as nothing (Ansible's finalize). */
  private output(node: JNode): unknown {
    this.inOutput = true;
    try {
      const value = checkDefined(this.expr(node));
      let top = node;
      while (top.typename === "Group" && top.children?.length === 1) top = top.children[0]!;
      const filter = top.typename === "Filter" ? String((top.name as JNode).value) : "";
      if (STRING_FILTERS.has(filter.replace(/^ansible\.builtin\./, ""))) return new NativeText(str(value));
      return value === null ? "" : value;
    } finally {
      this.inOutput = false;
    }
  }

  private forLoop(node: JNode, out: unknown[]): void {
    const list = iterate(this.expr(node.arr as JNode));
    const target = node.name as JNode;
    if (list.length === 0) {
      if (node.else_) this.statement(node.else_ as JNode, out);
      return;
    }
    const scope = new Map<string, unknown>();
    this.scopes.push(scope);
    try {
      list.forEach((item, i) => {
        this.ctx.budget.step();
        if (target.typename === "Array") {
          const names = (target.children ?? []).map((c) => String(c.value));
          const parts = iterate(item);
          names.forEach((n, j) => {
            scope.set(n, parts[j]);
          });
        } else scope.set(String(target.value), item);
        scope.set("loop", {
          index: i + 1,
          index0: i,
          revindex: list.length - i,
          revindex0: list.length - i - 1,
          first: i === 0,
          last: i === list.length - 1,
          length: list.length,
        });
        this.statement(node.body as JNode, out);
      });
    } finally {
      this.scopes.pop();
    }
  }

  private set(node: JNode): void {
    const targets = (node.targets as JNode[]).map((t) => String(t.value));
    let value: unknown;
    if (node.value) value = this.expr(node.value as JNode);
    else {
      const chunks: unknown[] = [];
      this.statement((node.body as JNode).body as JNode, chunks);
      value = chunks.map(str).join("");
    }
    const scope = this.scopes.at(-1) ?? new Map<string, unknown>();
    if (this.scopes.length === 0) this.scopes.push(scope);
    for (const t of targets) scope.set(t, value);
  }

  /** Read a variable: loop/set locals first, then the template's variables. */
  variable(name: string): unknown {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i]!;
      if (s.has(name)) return s.get(name);
    }
    if (Object.hasOwn(this.ctx.vars, name)) {
      const v = this.ctx.vars[name];
      if (v !== undefined) return this.ctx.resolve(v, name);
    }
    if (Object.hasOwn(CONSTANTS, name)) return CONSTANTS[name];
    return new Undefined(name);
  }

  expr(node: JNode): unknown {
    this.ctx.budget.step();
    switch (node.typename) {
      case "Literal":
        if (typeof node.value === "number") return numberLiteral(node, this.ctx.src);
        if (typeof node.value === "string") return stringLiteral(node, this.ctx.src, this.inOutput);
        return node.value ?? null;
      case "Symbol":
        return this.variable(String(node.value));
      case "Group":
        return this.expr(node.children![0]!);
      case "Array":
        return (node.children ?? []).map((c) => checkDefined(this.expr(c)));
      case "Dict": {
        const out: Record<string, unknown> = {};
        for (const pair of node.children ?? []) {
          out[str(checkDefined(this.expr(pair.key as JNode)))] = checkDefined(this.expr(pair.value as JNode));
        }
        return out;
      }
      case "LookupVal":
        return this.lookup(node);
      case "FunCall":
        return this.call(node);
      case "Filter": {
        const [operand, ...rest] = (node.args as JNode).children ?? [];
        const args = this.args(rest);
        return applyFilter(String((node.name as JNode).value), this.expr(operand!), args, this.calls);
      }
      case "Is":
        return this.isTest(node);
      case "Not":
        return !truthy(this.expr(node.target as JNode));
      case "Neg":
        return negate(this.expr(node.target as JNode));
      case "Pos":
        return checkDefined(this.expr(node.target as JNode));
      case "And": {
        const left = this.expr(node.left as JNode);
        return truthy(left) ? this.expr(node.right as JNode) : left;
      }
      case "Or": {
        const left = this.expr(node.left as JNode);
        return truthy(left) ? left : this.expr(node.right as JNode);
      }
      case "In":
        return contains(this.expr(node.right as JNode), this.expr(node.left as JNode));
      case "Compare":
        return this.compareChain(node);
      case "InlineIf":
        if (truthy(this.expr(node.cond as JNode))) return this.expr(node.body as JNode);
        return node.else_
          ? this.expr(node.else_ as JNode)
          : new Undefined("", undefined, undefined, "the inline if has no else and its condition is false");
      case "Concat":
        return concat(this.expr(node.left as JNode), this.expr(node.right as JNode), this.ctx.budget);
      default: {
        const op = BINARY[node.typename];
        if (op)
          return arithmetic(
            op,
            this.expr(node.left as JNode),
            this.expr(node.right as JNode),
            this.ctx.budget,
          );
        throw new ExprError(`unsupported expression (${node.typename})`);
      }
    }
  }

  private compareChain(node: JNode): boolean {
    let left = this.expr(node.expr as JNode);
    for (const op of node.ops as JNode[]) {
      const right = this.expr(op.expr as JNode);
      if (!compareOp(String(op.type), left, right)) return false;
      left = right;
    }
    return true;
  }

  private isTest(node: JNode): boolean {
    const value = this.expr(node.left as JNode);
    const right = node.right as JNode;
    if (right.typename === "Literal") {
      const name = right.value === null ? "none" : String(right.value);
      return applyTest(name, value, { pos: [], kw: {} });
    }
    if (right.typename === "FunCall") {
      const name = String((right.name as JNode).value);
      return applyTest(name, value, this.args((right.args as JNode).children ?? []));
    }
    return applyTest(String(right.value), value, { pos: [], kw: {} });
  }

  private lookup(node: JNode): unknown {
    const target = this.expr(node.target as JNode);
    const keyNode = node.val as JNode;
    const key = checkDefined(this.expr(keyNode));
    const suffix =
      typeof key === "string" && /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    if (target instanceof Undefined) return target.extend(suffix);
    const text = exprText(node.target as JNode);
    const value = subscript(target, key);
    if (value === MISSING) return new Undefined(text + suffix, text, String(key));
    return this.ctx.resolve(value, text + suffix);
  }

  private call(node: JNode): unknown {
    const callee = node.name as JNode;
    const args = this.args((node.args as JNode).children ?? []);
    if (callee.typename === "LookupVal") {
      const target = checkDefined(this.expr(callee.target as JNode));
      const method = String((callee.val as JNode).value);
      return callMethod(target, method, args, this.ctx.budget);
    }
    return callFunction(String(callee.value), args, this.calls);
  }

  private args(nodes: JNode[]): Args {
    const out: Args = { pos: [], kw: {} };
    for (const n of nodes) {
      if (n.typename === "KeywordArgs") {
        for (const pair of n.children ?? [])
          out.kw[String((pair.key as JNode).value)] = this.expr(pair.value as JNode);
      } else out.pos.push(this.expr(n));
    }
    return out;
  }
}

const BINARY: Record<string, BinaryOp> = {
  Add: "+",
  Sub: "-",
  Mul: "*",
  Div: "/",
  FloorDiv: "//",
  Mod: "%",
  Pow: "**",
};
