// The journal's on-disk side: one JSONL file per attempt series of a logical run, under
// $XDG_STATE_HOME/rollcall/journals/. Files are 0600 in a 0700 directory; a torn last line (the
// process died mid-write) is ignored on read. Nothing here knows about plays or modules.
import { createHmac, randomBytes } from "node:crypto";
import { chmod, type FileHandle, mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

export const JOURNAL_VERSION = 1;

export type JournalRecord =
  | {
      t: "run";
      v: number;
      runStartedAt: string;
      playbook: string;
      inventory?: string;
      limit?: string;
      pid: number;
    }
  | { t: "attempt"; at: string; pid: number; resume: boolean; check: boolean }
  | { t: "host_done"; at: string; play: number; host: string; id?: string; outcome: string }
  | { t: "issued"; host: string; kind: string; issuedAt: string; data: Record<string, unknown> }
  | { t: "done"; at: string; host: string; kind: string; outcome: "ok" | "failed" }
  | { t: "end"; at: string; exitCode: number; complete: boolean };

export interface JournalFileInfo {
  file: string;
  records: JournalRecord[];
  runStartedAt: string;
  complete: boolean;
}

/**
 * The key of a logical run: an HMAC over what identifies it, with a random per-user secret kept
 * next to the journals. Extra vars can hold secrets, and a plain hash of a short secret can be
 * guessed; the HMAC key makes the file name worthless to anyone without the state dir.
 */
export async function journalKey(dir: string, parts: unknown): Promise<string> {
  await ensureDir(dir);
  const secretFile = join(dir, ".key");
  let secret: Buffer;
  try {
    secret = await readFile(secretFile);
    if (secret.length < 16) throw new Error("short key");
  } catch {
    secret = randomBytes(32);
    const fh = await open(secretFile, "w", 0o600);
    try {
      await fh.write(secret);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  return createHmac("sha256", secret).update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode only applies to directories it creates (and is masked by the umask).
  await chmod(dir, 0o700);
}

/** Every journal of this key (of every key when `key` is undefined), oldest first. */
export async function listJournals(dir: string, key?: string): Promise<JournalFileInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const ours = (n: string) => (key === undefined ? /^[0-9a-f]{32}\./.test(n) : n.startsWith(`${key}.`));
  const out: JournalFileInfo[] = [];
  for (const name of names.filter((n) => ours(n) && n.endsWith(".jsonl"))) {
    const file = join(dir, name);
    const records = await readRecords(file);
    const head = records[0];
    if (head?.t !== "run" || head.v !== JOURNAL_VERSION) continue;
    const last = [...records].reverse().find((r) => r.t === "end" || r.t === "attempt");
    out.push({
      file,
      records,
      runStartedAt: head.runStartedAt,
      complete: last?.t === "end" && last.complete,
    });
  }
  return out.sort((a, b) => a.runStartedAt.localeCompare(b.runStartedAt));
}

async function readRecords(file: string): Promise<JournalRecord[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  const records: JournalRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      // A torn write from a killed process: everything before it is intact.
    }
  }
  return records;
}

async function endsWithNewline(fh: FileHandle): Promise<boolean> {
  const { size } = await fh.stat();
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

export async function removeJournal(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** An append-only writer: records are written in call order; `sync` ones are on disk when it resolves. */
export interface JournalWriter {
  append(record: JournalRecord, sync: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function openWriter(file: string, create: boolean): Promise<JournalWriter> {
  const fh = await open(file, create ? "wx" : "a+", 0o600);
  await fh.chmod(0o600);
  let chain: Promise<void> = Promise.resolve();
  // A process killed mid-write (a second Ctrl-C, kill -9) can leave a torn last line: end it, so
  // the first record appended now is not glued to it and lost with it on the next read.
  if (!create && !(await endsWithNewline(fh))) chain = fh.write("\n").then(() => {});
  return {
    append(record, sync) {
      const line = `${JSON.stringify(record)}\n`;
      const next = chain.then(async () => {
        await fh.write(line);
        if (sync) await fh.datasync();
      });
      // A failed write must not wedge the chain for every later record.
      chain = next.catch(() => {});
      return next;
    },
    async close() {
      await chain;
      await fh.close();
    },
  };
}
