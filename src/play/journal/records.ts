// The journal's records and how a file's text becomes them. Each line is checked against its
// record's shape: a journal is a file on disk that a crash can cut short and a person can edit,
// and `--resume` acts on what it says. Three outcomes per file:
//  - every line valid: the records;
//  - the last line cut short (no newline at the end, and not valid JSON): a torn write from a
//    killed process. What it said is unknown, so `--resume` stops once and asks for a look at the
//    cloud (journal.ts), and a `torn` record written after it says that was done;
//  - any other line invalid: a `problem`, reported with the file and line when resuming.
import { z } from "zod";

export const JOURNAL_VERSION = 1;

const text = z.string();
const iso = z.string().min(1);

const recordSchemas = {
  run: z.object({
    t: z.literal("run"),
    v: z.number(),
    runStartedAt: iso,
    playbook: text,
    inventory: text.optional(),
    limit: text.optional(),
    pid: z.number(),
  }),
  attempt: z.object({
    t: z.literal("attempt"),
    at: iso,
    pid: z.number(),
    resume: z.boolean(),
    check: z.boolean(),
  }),
  host_done: z.object({
    t: z.literal("host_done"),
    at: iso,
    play: z.number().int().min(0),
    host: text,
    id: text.optional(),
    outcome: text,
  }),
  issued: z.object({
    t: z.literal("issued"),
    host: text,
    kind: text,
    issuedAt: iso,
    data: z.record(z.string(), z.unknown()),
  }),
  done: z.object({
    t: z.literal("done"),
    at: iso,
    host: text,
    kind: text,
    outcome: z.enum(["ok", "failed"]),
  }),
  end: z.object({ t: z.literal("end"), at: iso, exitCode: z.number(), complete: z.boolean() }),
  /** The torn last line `line` (1-based) was reported; the user was asked to check the cloud. */
  torn: z.object({ t: z.literal("torn"), at: iso, line: z.number().int().min(1) }),
} as const;

type Schemas = typeof recordSchemas;
export type JournalRecord = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];

export interface TornRecord {
  /** 1-based line number of the fragment. */
  line: number;
  /** What can be read of it: the record type, host and kind when they made it to disk. */
  type?: string;
  host?: string;
  kind?: string;
  /** A later `torn` record says the user was told. */
  acknowledged: boolean;
}

export interface ParsedJournal {
  records: JournalRecord[];
  /** "line N: …" for the first line that is not a valid record (other than a torn last one). */
  problem?: string;
  torn?: TornRecord;
}

export function parseJournalText(content: string): ParsedJournal {
  const lines = content.split("\n");
  const endsCleanly = content.endsWith("\n") || content === "";
  if (endsCleanly) lines.pop();
  const records: JournalRecord[] = [];
  const unreadable = new Map<number, string>();
  let problem: string | undefined;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const n = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadable.set(n, line);
      return;
    }
    const checked = checkRecord(value);
    if (typeof checked === "string") problem ??= `line ${n}: ${checked}`;
    else records.push(checked);
  });
  const acknowledged = new Set(records.filter((r) => r.t === "torn").map((r) => r.line));
  let torn: TornRecord | undefined;
  for (const [n, line] of unreadable) {
    const isLast = n === lines.length && !endsCleanly;
    if (!acknowledged.has(n) && !isLast) problem ??= `line ${n}: not a JSON record`;
    // An unacknowledged torn line wins over one the user was already told about.
    else if (!torn || torn.acknowledged)
      torn = { line: n, ...readFragment(line), acknowledged: acknowledged.has(n) };
  }
  return { records, ...(problem && { problem }), ...(torn && { torn }) };
}

function checkRecord(value: unknown): JournalRecord | string {
  const type = (value as { t?: unknown } | null)?.t;
  if (typeof type !== "string" || !Object.hasOwn(recordSchemas, type)) {
    return `unknown record type ${JSON.stringify(type ?? null)}`;
  }
  const result = recordSchemas[type as keyof Schemas].safeParse(value);
  if (result.success) return result.data as JournalRecord;
  const issue = result.error.issues[0]!;
  return `"${type}" record: ${issue.path.join(".") || "record"}: ${issue.message}`;
}

/** The fields of a cut-off JSON line that made it to disk whole. */
function readFragment(line: string): Pick<TornRecord, "type" | "host" | "kind"> {
  const field = (name: string) => {
    const m = new RegExp(`"${name}":("(?:[^"\\\\]|\\\\.)*")`).exec(line);
    if (!m) return undefined;
    try {
      return JSON.parse(m[1]!) as string;
    } catch {
      return undefined;
    }
  };
  return { type: field("t"), host: field("host"), kind: field("kind") };
}
