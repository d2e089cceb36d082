// One cache entry = one file in the cache directory, named by a hash of its key. The format is
// valid JSON whose first line is a self-contained header, so a reader that only wants the header
// (the lean hit path, a waiter polling for a refresh) reads a few hundred bytes, and a reader that
// wants the value slices it out without re-serialising it:
//
//   {"rollcall_cache":1,"key":"rollcall:src:…","expires":1767225600000,"value":
//   <the value's JSON>}
//
// Every open is O_NOFOLLOW | O_NONBLOCK (a planted symlink or FIFO is a miss, never followed or
// waited on) and checked with fstat (a regular file, ours, not writable by others). Every write
// is a 0600 temp file in the same directory renamed over the target, so a reader sees a whole
// old file or a whole new one, and a symlink at the target is replaced, never written through.
// Synchronous on purpose: a CLI reading a handful of local files gains nothing from the thread
// pool, and the lean path must not pay for it. (No node:process import either: its ESM wrapper
// reads every property of `process`, creating the stdio streams, which costs start-up time.)
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { quickHash } from "./quick-hash.js";

export const ENTRY_FORMAT = 1;
const HEADER_PREFIX = '{"rollcall_cache":';
/** A header line is short; a longer first line is not ours. */
const MAX_HEADER = 4096;
/** Refuse absurd files rather than allocate for them. */
const MAX_ENTRY_BYTES = 1 << 30;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface EntryHeader {
  key: string;
  /** Epoch ms after which the entry is gone; null = no expiry. */
  expires: number | null;
}

export interface EntryFile extends EntryHeader {
  /** The value's JSON text, as bytes (not parsed). */
  body: Buffer;
}

/** File name of a key: a hash, so any key is a safe name (the header has the key itself). */
export function entryFileName(key: string): string {
  return `${quickHash(key)}.json`;
}

export function entryPath(dir: string, key: string): string {
  return join(dir, entryFileName(key));
}

/**
 * Open a file we are about to trust: not a symlink, not a FIFO or device, owned by `uid` (when
 * known) and not writable by group or others. Undefined for anything else, and when it is absent.
 */
export function openTrusted(path: string, uid: number | undefined): { fd: number; stat: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && isTrustedMode(stat, uid) && stat.size <= MAX_ENTRY_BYTES) return { fd, stat };
  } catch {
    // fall through: unreadable is untrusted
  }
  closeSync(fd);
  return undefined;
}

export function isTrustedMode(stat: Stats, uid: number | undefined): boolean {
  return (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
}

/** Read a whole entry; undefined when absent, untrusted, malformed or for another key. */
export function readEntry(path: string, key: string, uid: number | undefined): EntryFile | undefined {
  const opened = openTrusted(path, uid);
  if (!opened) return undefined;
  let buf: Buffer;
  try {
    buf = readFully(opened.fd, opened.stat.size);
  } catch {
    return undefined;
  } finally {
    closeSync(opened.fd);
  }
  const newline = buf.indexOf(10);
  if (newline < 0 || newline > MAX_HEADER) return undefined;
  const header = parseHeader(buf.subarray(0, newline).toString("utf8"), key);
  // The value is followed by "}\n"; anything else is a truncated or foreign file.
  if (!header || buf.length < newline + 3 || buf[buf.length - 2] !== 0x7d || buf[buf.length - 1] !== 10) {
    return undefined;
  }
  return { ...header, body: buf.subarray(newline + 1, buf.length - 2) };
}

/**
 * Only the header line: a few hundred bytes of a file that may be megabytes long, plus its last
 * two bytes, so a truncated file is refused here too and not trusted on the strength of its
 * header (the lean path would otherwise keep answering from a damaged raw entry and leave it
 * there). `key` undefined accepts whatever key the header names (housekeeping).
 */
export function readEntryHeader(
  path: string,
  key: string | undefined,
  uid: number | undefined,
): EntryHeader | undefined {
  const opened = openTrusted(path, uid);
  if (!opened) return undefined;
  try {
    const buf = Buffer.allocUnsafe(Math.min(MAX_HEADER + 1, opened.stat.size));
    const n = readSync(opened.fd, buf, 0, buf.length, 0);
    const newline = buf.subarray(0, n).indexOf(10);
    if (newline < 0 || opened.stat.size < newline + 3) return undefined;
    const tail = Buffer.alloc(2);
    if (readSync(opened.fd, tail, 0, 2, opened.stat.size - 2) !== 2 || tail[0] !== 0x7d || tail[1] !== 10) {
      return undefined;
    }
    return parseHeader(buf.subarray(0, newline).toString("utf8"), key);
  } catch {
    return undefined;
  } finally {
    closeSync(opened.fd);
  }
}

function readFully(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const n = readSync(fd, buf, offset, size - offset, offset);
    if (n === 0) break;
    offset += n;
  }
  return offset === size ? buf : buf.subarray(0, offset);
}

function parseHeader(line: string, key: string | undefined): EntryHeader | undefined {
  if (!line.startsWith(HEADER_PREFIX) || !line.endsWith('"value":')) return undefined;
  try {
    // The line is the object up to its value; closing it makes it parseable on its own.
    const h = JSON.parse(`${line}null}`) as Record<string, unknown>;
    if (h.rollcall_cache !== ENTRY_FORMAT || typeof h.key !== "string") return undefined;
    if (key !== undefined && h.key !== key) return undefined;
    if (h.expires !== null && typeof h.expires !== "number") return undefined;
    return { key: h.key, expires: h.expires };
  } catch {
    return undefined;
  }
}

export function isLive(header: EntryHeader, now: number): boolean {
  return header.expires === null || header.expires > now;
}

/**
 * Write an entry: 0600 temp file next to the target, then rename. `body` is the value's JSON text.
 * Throws on failure (the caller decides what a failed cache write means); never leaves the temp.
 */
export function writeEntry(dir: string, key: string, expires: number | null, body: string | Buffer): void {
  const header = `${HEADER_PREFIX}${ENTRY_FORMAT},"key":${JSON.stringify(key)},"expires":${expires === null ? "null" : Math.floor(expires)},"value":\n`;
  writeAtomically(entryPath(dir, key), [header, body, "}\n"]);
}

export function writeAtomically(target: string, parts: readonly (string | Buffer)[]): void {
  // O_EXCL below: a name that somehow exists already fails the write, never clobbers a file.
  const temp = `${target}.${Math.random().toString(36).slice(2, 14)}.tmp`;
  try {
    const fd = openSync(temp, CREATE_FLAGS, 0o600);
    try {
      fchmodSync(fd, 0o600); // the umask may have removed bits; never add any
      for (const part of parts) writeAll(fd, part);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
}

function writeAll(fd: number, part: string | Buffer): void {
  const buf = typeof part === "string" ? Buffer.from(part, "utf8") : part;
  let offset = 0;
  while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
}

export function removeEntry(dir: string, key: string): boolean {
  try {
    unlinkSync(entryPath(dir, key));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
