// Jinja text → syntax tree, through nunjucks' parser (a well-kept Jinja-compatible parser; see
// docs/templates.md for why this one). Only the parser is used: evaluation is ours
// (./evaluate.ts), with Python's value rules, Ansible's filters and strict undefined names.
// nunjucks is loaded on first use, so commands that never meet a Jinja template do not pay for it.
import { createRequire } from "node:module";

/** A nunjucks syntax node (fields depend on `typename`). */
export interface JNode {
  typename: string;
  lineno: number;
  colno: number;
  children?: JNode[];
  value?: unknown;
  [field: string]: unknown;
}

interface NunjucksParser {
  parse(src: string, extensions?: unknown[], opts?: { trimBlocks?: boolean }): JNode;
}

let parser: NunjucksParser | undefined;

function loadParser(): NunjucksParser {
  parser ??= createRequire(import.meta.url)("nunjucks/src/parser.js") as NunjucksParser;
  return parser;
}

export class JinjaSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
  }
}

/** Statement tags rollcall evaluates; anything else (macros, includes, blocks…) is refused. */
const SUPPORTED = new Set(["Root", "Output", "TemplateData", "If", "For", "Set", "NodeList", "Capture"]);
const UNSUPPORTED_STATEMENTS: Record<string, string> = {
  Macro: "macro",
  Caller: "call",
  Import: "import",
  FromImport: "from … import",
  Include: "include",
  Extends: "extends",
  Block: "block",
  Super: "super",
  Switch: "switch",
  CallExtension: "extension tags",
  FilterAsync: "async filters",
  IfAsync: "async if",
  AsyncEach: "asyncEach",
  AsyncAll: "asyncAll",
};

/** Parse a whole template (Ansible sets trim_blocks: a newline after a block tag is dropped). */
export function parseJinja(text: string): JNode {
  let root: JNode;
  try {
    root = loadParser().parse(text, [], { trimBlocks: true });
  } catch (err) {
    const e = err as Error & { lineno?: number; colno?: number };
    const message = e.message.replace(/^\(unknown path\)\s*(\[Line \d+, Column \d+\])?\s*/, "").trim();
    throw new JinjaSyntaxError(message.split("\n")[0] ?? message, e.lineno, e.colno);
  }
  checkSupported(root);
  return root;
}

/** Whether `text` parses as Jinja (used by the recognition rule). */
export function parsesAsJinja(text: string): boolean {
  try {
    parseJinja(text);
    return true;
  } catch {
    return false;
  }
}

function checkSupported(node: JNode): void {
  const tag = UNSUPPORTED_STATEMENTS[node.typename];
  if (tag)
    throw new JinjaSyntaxError(
      `{% ${tag} %} is not supported in rollcall templates`,
      node.lineno + 1,
      node.colno + 1,
    );
  for (const child of childNodes(node)) checkSupported(child);
}

/** Every node directly below `node`. */
export function childNodes(node: JNode): JNode[] {
  const out: JNode[] = [];
  const fields = (node as { fields?: string[] }).fields ?? [];
  for (const f of fields) {
    const v = node[f];
    if (v && typeof v === "object" && "typename" in (v as object)) out.push(v as JNode);
  }
  for (const c of node.children ?? []) if (c && typeof c === "object") out.push(c);
  return out;
}

/** True for statement nodes (everything that is not part of an expression). */
export function isStatement(node: JNode): boolean {
  return SUPPORTED.has(node.typename);
}

/** An expression as written, for messages ("hostvars[inventory_hostname].x"). */
export function exprText(node: JNode): string {
  if (node.typename === "Symbol") return String(node.value);
  if (node.typename === "LookupVal") {
    const val = node.val as JNode;
    const base = exprText(node.target as JNode);
    if (val.typename === "Literal" && typeof val.value === "string" && /^[A-Za-z_]\w*$/.test(val.value))
      return `${base}.${val.value}`;
    if (val.typename === "Literal") return `${base}[${JSON.stringify(val.value)}]`;
    return `${base}[${exprText(val)}]`;
  }
  return "(expression)";
}
