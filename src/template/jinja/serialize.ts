// to_json / to_nice_json / to_yaml with the text Python produces: json.dumps' separators,
// key order and ASCII escaping, and PyYAML's flow style for collections of plain scalars.
import { stringify } from "yaml";
import { ExprError, floatRepr, isDict, PyFloat, Undefined } from "./python.js";

export interface JsonOptions {
  indent?: number;
  sortKeys?: boolean;
  separators?: [string, string];
  ensureAscii?: boolean;
}

export function jsonDumps(value: unknown, o: JsonOptions = {}): string {
  const [itemSep, keySep] = o.separators ?? (o.indent === undefined ? [", ", ": "] : [",", ": "]);
  const ascii = o.ensureAscii ?? true;
  const walk = (v: unknown, level: number): string => {
    if (v instanceof Undefined) throw new ExprError(v.message());
    if (v === null || v === undefined) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (v instanceof PyFloat) return floatRepr(v.value);
    if (typeof v === "number") {
      if (Number.isNaN(v)) return "NaN";
      if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
      return Number.isInteger(v) ? String(v) : floatRepr(v);
    }
    if (typeof v === "string") return jsonString(v, ascii);
    const entries: [string | undefined, unknown][] = Array.isArray(v)
      ? v.map((x) => [undefined, x])
      : Object.entries(v as object);
    if (!Array.isArray(v) && o.sortKeys) entries.sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) return open + close;
    const parts = entries.map(([k, x]) =>
      k === undefined ? walk(x, level + 1) : `${jsonString(k, ascii)}${keySep}${walk(x, level + 1)}`,
    );
    if (o.indent === undefined) return open + parts.join(itemSep) + close;
    const pad = "\n" + " ".repeat(o.indent * (level + 1));
    return `${open}${pad}${parts.join(itemSep + pad)}\n${" ".repeat(o.indent * level)}${close}`;
  };
  return walk(value, 0);
}

function jsonString(s: string, ascii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || (ascii && c > 0x7e)) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** PyYAML's dump(): default_flow_style=None puts leaf collections in flow style, false never. */
export function yamlDump(value: unknown, o: { indent?: number; flow?: boolean | null } = {}): string {
  const plain = toPlain(value);
  // Ansible's dumper ends a lone scalar without PyYAML's "..." document end.
  if (plain === null || typeof plain !== "object") return `${scalarText(plain)}\n`;
  return emitYaml(plain, o.indent ?? 2, o.flow ?? null);
}

/** Block style, with leaf collections (only scalars inside) in flow style unless flow=false. */
function emitYaml(value: unknown, indent: number, flow: boolean | null): string {
  const isLeafCollection = (v: unknown) =>
    flow !== false &&
    v !== null &&
    typeof v === "object" &&
    Object.values(v as object).every((x) => x === null || typeof x !== "object");
  if (isLeafCollection(value)) return `${flowText(value)}\n`;
  const lines: string[] = [];
  const emit = (v: unknown, level: number) => {
    const pad = " ".repeat(indent * level);
    const entries: [string | undefined, unknown][] = Array.isArray(v)
      ? v.map((x) => [undefined, x])
      : Object.entries(v as object);
    for (const [k, x] of entries) {
      const head = k === undefined ? `${pad}-` : `${pad}${scalarText(k)}:`;
      if (x !== null && typeof x === "object" && Object.keys(x).length > 0 && !isLeafCollection(x)) {
        lines.push(head);
        emit(x, Array.isArray(x) && k !== undefined ? level : level + 1);
      } else lines.push(`${head} ${x !== null && typeof x === "object" ? flowText(x) : scalarText(x)}`);
    }
  };
  emit(value, 0);
  return `${lines.join("\n")}\n`;
}

function flowText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => scalarText(x)).join(", ")}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${scalarText(k)}: ${scalarText(x)}`)
    .join(", ")}}`;
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") {
    const text = stringify(v, { singleQuote: true, lineWidth: 0 }).trimEnd();
    return /^[[{]/.test(v) || /[,[\]{}]/.test(v) ? (text.startsWith("'") ? text : `'${v}'`) : text;
  }
  return stringify(v).trimEnd();
}

function toPlain(v: unknown): unknown {
  if (v instanceof Undefined) throw new ExprError(v.message());
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  // PyYAML sorts mapping keys (sort_keys=True).
  if (isDict(v))
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, toPlain(x)]),
    );
  return v;
}
