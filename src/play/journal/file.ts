// The journal's on-disk side: one JSONL file per attempt series of a logical run, under
// $XDG_STATE_HOME/rollcall/journals/. Files are 0600 in a 0700 directory that trust.ts checks
// (ours, writable by nobody else, no symlinks followed). Records are checked line by line
// (records.ts). Nothing here knows about plays or modules.
import { createHmac, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { JOURNAL_VERSION, type JournalRecord, parseJournalText, type TornRecord } from "./records.js";
import { createPrivateFile, ensurePrivateDir, openPrivateFile, readPrivateFile } from "./trust.js";

export { JOURNAL_VERSION, type JournalRecord, type TornRecord };

export interface JournalFileInfo {
  file: string;
  records: JournalRecord[];
  runStartedAt: string;
  complete: boolean;
  /** A line that is not a valid record ("line N: …"): the file cannot be resumed as it is. */
  problem?: string;
  /** The last record was cut short by a crash (or was, and the user was told). */
  torn?: TornRecord;
}

/**
 * The key of a logical run: an HMAC over what identifies it, with a random per-user secret kept
 * next to the journals. Extra vars can hold secrets, and a plain hash of a short secret can be
 * guessed; the HMAC key makes the file name worthless to anyone without the state dir.
 */
export async function journalKey(dir: string, parts: unknown): Promise<string> {
  await ensureDir(dir);
  const secretFile = join(dir, ".key");
  let secret = await readPrivateFile(secretFile, { secret: true });
  if (secret === undefined) {
    // Never written through a name that exists: a planted file or symlink stays and is refused.
    await createPrivateFile(secretFile, randomBytes(32));
    secret = await readPrivateFile(secretFile, { secret: true });
  }
  if (!secret || secret.length < 16) {
    throw new Error(`${secretFile} is too short to be a journal key: remove it and run again`);
  }
  return createHmac("sha256", secret).update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

export function ensureDir(dir: string): Promise<void> {
  return ensurePrivateDir(dir, "state directory");
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
    const parsed = parseJournalText((await readPrivateFile(file))?.toString("utf8") ?? "");
    const records = parsed.records;
    const head = records[0];
    if (head?.t === "run" && head.v !== JOURNAL_VERSION) continue; // another rollcall's format
    if (head?.t !== "run") {
      // A damaged header: --resume must name the damage, not say there is nothing to resume
      // (the rest may describe actions still in flight); --journals lists it, pruning ages it.
      out.push({
        file,
        records: [],
        runStartedAt: startedAtOfName(name),
        complete: false,
        problem: parsed.problem ?? "line 1: the run's header record is missing",
      });
      continue;
    }
    const last = [...records].reverse().find((r) => r.t === "end" || r.t === "attempt");
    out.push({
      file,
      records,
      runStartedAt: head.runStartedAt,
      complete: last?.t === "end" && last.complete,
      ...(parsed.problem && { problem: parsed.problem }),
      ...(parsed.torn && { torn: parsed.torn }),
    });
  }
  return out.sort((a, b) => a.runStartedAt.localeCompare(b.runStartedAt));
}

/** The start time a journal's name carries (`<key>.<ISO stamp without -:.>-<pid>.jsonl`). */
function startedAtOfName(name: string): string {
  const m = /\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-\d+\.jsonl$/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : "";
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
  // Read-write (appending) so the last byte can be checked through the same, checked handle.
  const flags = constants.O_RDWR | constants.O_APPEND | (create ? constants.O_CREAT | constants.O_EXCL : 0);
  const fh = await openPrivateFile(file, flags);
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
