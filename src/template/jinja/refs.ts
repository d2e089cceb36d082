// The variables a Jinja template reads, for the check before a run that every name is defined
// somewhere. A name guarded anywhere in the template (`x is defined`, `x | default(…)`,
// `x | mandatory`) is optional everywhere in it: `x is defined and x > 1` is fine.

import { childNodes, exprText, type JNode } from "./parse.js";

export interface JinjaRef {
  parts: string[];
  original: string;
  optional: boolean;
}

const CONSTANTS = new Set(["True", "False", "None", "true", "false", "none"]);
const GUARD_FILTERS = new Set([
  "default",
  "d",
  "mandatory",
  "ansible.builtin.default",
  "ansible.builtin.mandatory",
]);
const GUARD_TESTS = new Set(["defined", "undefined"]);

/** The path a node reads (`a.b['c']` → a, b, c), or undefined when it is not a plain path. */
function pathOf(node: JNode): string[] | undefined {
  if (node.typename === "Symbol") return [String(node.value)];
  if (node.typename === "LookupVal") {
    const base = pathOf(node.target as JNode);
    const val = node.val as JNode;
    if (!base) return undefined;
    return val.typename === "Literal" && typeof val.value === "string" ? [...base, val.value] : undefined;
  }
  return undefined;
}

function rootOf(node: JNode): string | undefined {
  if (node.typename === "Symbol") return String(node.value);
  if (node.typename === "LookupVal") return rootOf(node.target as JNode);
  if (node.typename === "Group") return rootOf(node.children![0]!);
  return undefined;
}

export function jinjaRefs(root: JNode): JinjaRef[] {
  const guarded = new Set<string>();
  const refs: JinjaRef[] = [];
  const visit = (node: JNode, locals: ReadonlySet<string>) => {
    switch (node.typename) {
      case "Symbol": {
        const name = String(node.value);
        if (!locals.has(name) && !CONSTANTS.has(name))
          refs.push({ parts: [name], original: name, optional: false });
        return;
      }
      case "LookupVal": {
        const path = pathOf(node);
        const name = rootOf(node);
        if (path && name && !locals.has(name)) {
          refs.push({ parts: path, original: exprText(node), optional: false });
          if ((node.val as JNode).typename !== "Literal") visit(node.val as JNode, locals);
          return;
        }
        break;
      }
      case "Filter": {
        const operand = (node.args as JNode).children?.[0];
        const name = operand && rootOf(operand);
        if (name && GUARD_FILTERS.has(String((node.name as JNode).value))) guarded.add(name);
        for (const c of (node.args as JNode).children ?? []) visit(c, locals);
        return;
      }
      case "Is": {
        const right = node.right as JNode;
        const test = right.typename === "Symbol" ? String(right.value) : undefined;
        const name = rootOf(node.left as JNode);
        if (name && test && GUARD_TESTS.has(test)) guarded.add(name);
        visit(node.left as JNode, locals);
        if (right.typename === "FunCall")
          for (const c of (right.args as JNode).children ?? []) visit(c, locals);
        return;
      }
      case "FunCall": {
        const callee = node.name as JNode;
        if (callee.typename !== "Symbol") visit(callee, locals);
        for (const c of (node.args as JNode).children ?? []) visit(c, locals);
        return;
      }
      case "KeywordArgs":
        for (const pair of node.children ?? []) visit(pair.value as JNode, locals);
        return;
      case "For": {
        visit(node.arr as JNode, locals);
        const target = node.name as JNode;
        const names =
          target.typename === "Array"
            ? (target.children ?? []).map((c) => String(c.value))
            : [String(target.value)];
        const inner = new Set([...locals, ...names, "loop"]);
        visit(node.body as JNode, inner);
        if (node.else_) visit(node.else_ as JNode, locals);
        return;
      }
      case "Set": {
        if (node.value) visit(node.value as JNode, locals);
        for (const t of node.targets as JNode[]) (locals as Set<string>).add(String(t.value));
        return;
      }
    }
    for (const c of childNodes(node)) visit(c, locals);
  };
  visit(root, new Set());
  return refs.map((r) => (guarded.has(r.parts[0]!) ? { ...r, optional: true } : r));
}
