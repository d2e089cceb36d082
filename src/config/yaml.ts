// YAML with source positions, and schema validation whose every issue points at file:line:col.
// Shared by the inventory config, the simulator's fleet file and the play parser.
import { readFile } from "node:fs/promises";
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import { z } from "zod";
import { didYouMean, ExitCode, type Issue, type SourcePosition } from "../errors.js";

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The plain JS value of the document. */
  value: unknown;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

type PathKey = string | number;

export function parseYaml(text: string, file: string): Parsed<YamlSource> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({
        message: `invalid YAML: ${firstLine(e.message)}`,
        at: toPosition(file, lines, e.pos[0]),
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses documents whose aliases expand past the limit ("billion laughs").
    if (!(err instanceof ReferenceError)) throw err;
    return {
      ok: false,
      issues: [
        {
          message: `invalid YAML: too many aliases: expanding them would make a huge document (${firstLine(err.message)}): refusing the document`,
          at: toPosition(file, lines, firstAliasOffset(doc)),
        },
      ],
    };
  }
  return { ok: true, value: { file, doc, lines, value } };
}

function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

export async function readYamlFile(file: string): Promise<Parsed<YamlSource>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return {
      ok: false,
      issues: [{ message: `cannot read ${file}: ${describeFsError(err)}`, exitCode: ExitCode.error }],
    };
  }
  return parseYaml(text, file);
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return (err as Error)?.message ?? String(err);
}

/** Position of the node at `path` (or of the nearest existing ancestor). */
export function positionOf(src: YamlSource, path: readonly PathKey[]): SourcePosition {
  let node: unknown = src.doc.contents;
  let found: Node | null = (src.doc.contents as Node | null) ?? null;
  for (const key of path) {
    const next = childOf(node, key);
    if (!next) break;
    node = next.value;
    found = (next.value as Node | null) ?? next.key ?? found;
  }
  return toPosition(src.file, src.lines, found?.range?.[0] ?? 0);
}

/** Position of a mapping key (for "unknown option" issues), falling back to the map itself. */
export function keyPositionOf(src: YamlSource, path: readonly PathKey[], key: string): SourcePosition {
  let node: unknown = src.doc.contents;
  for (const k of path) node = childOf(node, k)?.value;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key) {
        return toPosition(src.file, src.lines, pair.key.range?.[0] ?? 0);
      }
    }
  }
  return positionOf(src, path);
}

function childOf(node: unknown, key: PathKey): { key: Node | null; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && String(pair.key.value) === String(key)) {
        return { key: pair.key as Node, value: pair.value };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof key === "number") {
    const item = node.items[key];
    return item === undefined ? undefined : { key: null, value: item };
  }
  return undefined;
}

function toPosition(file: string, lines: LineCounter, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { file, line, col };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

/**
 * Validate a parsed document against a zod schema. Issues come back with positions, readable
 * wording ("expected a number, got a string") and did-you-mean hints for misspelled keys.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  src: YamlSource,
  options: { value?: unknown; basePath?: PathKey[]; what?: string } = {},
): Parsed<z.output<S>> {
  const input = options.value ?? src.value;
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const base = options.basePath ?? [];
  const issues = result.error.issues.map((zi) => toIssue(zi, src, schema, base, input));
  return { ok: false, issues: sortIssues(issues) };
}

/** Keys whose values are secrets: an error says what kind of value it got, never the value. */
const SECRET_KEY = /token|secret|passw|credential|api_?key/i;

function toIssue(
  zi: z.core.$ZodIssue,
  src: YamlSource,
  root: z.ZodType,
  base: PathKey[],
  input: unknown,
): Issue {
  const rel = zi.path.filter((k): k is PathKey => typeof k !== "symbol");
  const path = [...base, ...rel];
  const field = rel.length > 0 ? `${rel.join(".")}: ` : "";
  const secret = path.some((k) => typeof k === "string" && SECRET_KEY.test(k));
  const describeValue = secret ? describeKind : describeAnyValue;
  switch (zi.code) {
    case "unrecognized_keys": {
      const key = zi.keys[0]!;
      const known = objectKeysAt(root, rel);
      const what = rel.length > 0 ? ` in ${rel.join(".")}` : "";
      return {
        message: `unknown option "${key}"${what}${didYouMean(key, known)}`,
        at: keyPositionOf(src, path, key),
      };
    }
    case "invalid_type": {
      const actual = valueAt(input, rel);
      const message =
        actual === undefined
          ? `${field}missing required option`
          : `${field}expected ${article(zi.expected)}, got ${describeValue(actual)}`;
      return { message, at: positionOf(src, path) };
    }
    case "invalid_value":
      return {
        message: `${field}expected one of ${zi.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(valueAt(input, rel))}`,
        at: positionOf(src, path),
      };
    case "invalid_union": {
      const options = (zi as { options?: unknown[] }).options;
      if (options) {
        const actual = valueAt(input, rel);
        const names = options.map(String);
        const hint = typeof actual === "string" && !secret ? didYouMean(actual, names) : "";
        return {
          message: `${field}expected one of ${names.map((o) => JSON.stringify(o)).join(", ")}, got ${describeValue(actual)}${hint}`,
          at: positionOf(src, path),
        };
      }
      return {
        message: `${field}${zi.message === "Invalid input" ? "invalid value" : zi.message}`,
        at: positionOf(src, path),
      };
    }
    default:
      return { message: `${field}${zi.message}`, at: positionOf(src, path) };
  }
}

function sortIssues(issues: Issue[]): Issue[] {
  return issues.sort((a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.col ?? 0) - (b.at?.col ?? 0));
}

function valueAt(value: unknown, path: readonly PathKey[]): unknown {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

function article(expected: string): string {
  const names: Record<string, string> = {
    object: "a mapping",
    map: "a mapping",
    record: "a mapping",
    array: "a list",
    string: "a string",
    number: "a number",
    int: "an integer",
    boolean: "true or false",
  };
  return names[expected] ?? expected;
}

/** What kind of value `v` is, without any of its content (for secret-typed fields). */
export function describeKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "boolean") return "true or false";
  return `a ${typeof v}`;
}

const describeAnyValue = (v: unknown) => describeValue(v);

export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * `z.record(z.string(), value)` for maps keyed by names from outside (host names, group names,
 * tags): zod's record drops a "__proto__" key without a word, this keeps every key as an own
 * property. Issues keep the record's paths (`hosts.<name>…`).
 */
export function ownRecord<V extends z.ZodType>(value: V) {
  return z
    .preprocess(
      (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? new Map(Object.entries(v)) : v),
      z.map(z.string(), value),
    )
    .transform((m) => Object.fromEntries(m) as Record<string, z.output<V>>);
}

/** Keys of the object schema found by walking `path`, seeing through optional/default/array. */
function objectKeysAt(schema: unknown, path: readonly PathKey[]): string[] {
  let s: unknown = schema;
  for (let i = 0; ; i++) {
    s = unwrap(s);
    const def = (s as { def?: { type?: string } })?.def;
    if (def?.type === "union") {
      // Suggest from every alternative: good enough for "did you mean".
      const options = (s as { options: unknown[] }).options;
      return [...new Set(options.flatMap((o) => objectKeysAt(o, path.slice(i))))];
    }
    if (i === path.length) break;
    const k = path[i]!;
    if (def?.type === "object") s = (s as { shape: Record<string, unknown> }).shape[String(k)];
    else if (def?.type === "array") s = (s as { element: unknown }).element;
    else if (def?.type === "record") s = (def as unknown as { valueType: unknown }).valueType;
    else return [];
  }
  const shape = (s as { shape?: Record<string, unknown> })?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(s: unknown): unknown {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const def = (cur as { def?: { type?: string; innerType?: unknown; in?: unknown } })?.def;
    if (!def) return cur;
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "nullable" ||
      def.type === "prefault"
    ) {
      cur = def.innerType;
    } else if (def.type === "pipe") {
      // z.preprocess(fn, schema) is pipe(transform, schema): the keys live on the output side.
      const pipe = def as { in?: { def?: { type?: string } }; out?: unknown };
      cur = pipe.in?.def?.type === "transform" ? pipe.out : def.in;
    } else return cur;
  }
  return cur;
}
