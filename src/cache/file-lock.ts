// The file store's single-flight lock: a lock file created with O_EXCL next to the entry it
// guards, holding its owner token, pid, host and expiry as JSON. It is the file-system analogue
// of Redis `SET key token NX PX ms`: only the owner renews or removes it, and it is void after its
// expiry or, on the same host, as soon as its process is gone (a crashed run never blocks the next
// one for long). Breaking a void lock is best effort: two processes breaking it in the same instant
// can both fetch — the cost is one extra fetch, never a wrong answer.
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { kill, pid } from "node:process";
import { writeAtomically } from "./entry-file.js";

const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** A lock file still empty this long after creation was left by a writer that died mid-write. */
const EMPTY_GRACE_MS = 5_000;

interface LockBody {
  owner: string;
  pid: number;
  host: string;
  expires: number;
}

export function newOwnerToken(): string {
  return randomBytes(16).toString("hex");
}

/** True when we created the lock; false when someone else holds it. Throws on I/O errors. */
export function tryLockFile(path: string, ttlMs: number, owner: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, CREATE_FLAGS, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (!breakIfVoid(path)) return false;
      continue;
    }
    closeSync(fd);
    // The body goes in by rename, so a reader sees an empty file or a whole one.
    const body: LockBody = { owner, pid, host: hostname(), expires: Date.now() + ttlMs };
    writeAtomically(path, [JSON.stringify(body)]);
    return true;
  }
  return false;
}

/** Is a live lock there (someone is refreshing)? */
export function isLockHeld(path: string): boolean {
  const state = readLock(path);
  return state !== "absent" && !isVoid(state);
}

/** Push the lock's expiry out if it is still ours (the holder is alive and still fetching). */
export function renewLockFile(path: string, owner: string, ttlMs: number): void {
  const state = readLock(path);
  if (typeof state !== "object" || state.body?.owner !== owner) return;
  writeAtomically(path, [JSON.stringify({ ...state.body, expires: Date.now() + ttlMs })]);
}

/** Remove the lock if it is still ours. */
export function releaseLockFile(path: string, owner: string): void {
  const state = readLock(path);
  if (typeof state === "object" && state.body?.owner === owner) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

type LockState = "absent" | { body?: LockBody; ageMs: number };

function readLock(path: string): LockState {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return "absent";
  }
  try {
    const stat = fstatSync(fd);
    const ageMs = Date.now() - stat.mtimeMs;
    if (!stat.isFile() || stat.size > 4096) return { ageMs };
    const buf = Buffer.alloc(stat.size);
    readSync(fd, buf, 0, buf.length, 0);
    const body = JSON.parse(buf.toString("utf8")) as LockBody;
    if (typeof body?.owner !== "string" || typeof body.expires !== "number") return { ageMs };
    return { body, ageMs };
  } catch {
    return { ageMs: 0 };
  } finally {
    closeSync(fd);
  }
}

function isVoid(state: { body?: LockBody; ageMs: number }): boolean {
  if (!state.body) return state.ageMs > EMPTY_GRACE_MS;
  if (state.body.expires <= Date.now()) return true;
  return state.body.host === hostname() && !isAlive(state.body.pid);
}

function isAlive(processId: number): boolean {
  try {
    kill(processId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Move a void lock out of the way; true when the path is free to try again. */
function breakIfVoid(path: string): boolean {
  const state = readLock(path);
  if (state === "absent") return true;
  if (!isVoid(state)) return false;
  const aside = `${path}.${pid}.${randomBytes(4).toString("hex")}.void`;
  try {
    renameSync(path, aside);
    unlinkSync(aside);
  } catch {
    // someone else broke it first
  }
  return true;
}
