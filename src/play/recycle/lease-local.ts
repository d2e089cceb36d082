// The local half of a lease: one lock file per group under `${stateDir}/locks/`, created with
// O_EXCL so two runs on one machine cannot both create it. A lock is stale when its process is
// gone (same host) or, for a lock written by another host into a shared state dir, when it has
// expired. The owner's run id lets `--resume` take its own lock back. Files are 0600 in a 0700
// directory, like the journals.
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { kill } from "node:process";
import type { LeaseOwner } from "./lease.js";

export interface LockInfo {
  owner: string;
  host: string;
  pid: number;
  key: string;
  since: string;
  expiresAt: number;
}

export type LockResult = { ok: true } | { ok: false; holder: LockInfo };

export function lockPath(stateDir: string, key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80);
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 12);
  return join(stateDir, "locks", `${safe}-${hash}.lock`);
}

function alive(pid: number): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(file, "utf8")) as Partial<LockInfo>;
    if (typeof v.owner !== "string" || typeof v.pid !== "number" || typeof v.expiresAt !== "number")
      return undefined;
    return {
      owner: v.owner,
      host: String(v.host),
      pid: v.pid,
      key: String(v.key),
      since: String(v.since),
      expiresAt: v.expiresAt,
    };
  } catch {
    return undefined;
  }
}

function isStale(cur: LockInfo | undefined, me: LeaseOwner, now: number): boolean {
  if (!cur) return true; // torn or foreign content: nobody can prove they hold it
  if (cur.host === me.host) return !alive(cur.pid);
  return cur.expiresAt <= now;
}

const content = (key: string, me: LeaseOwner, expiresAt: number, since: string) =>
  `${JSON.stringify({ owner: me.id, host: me.host, pid: me.pid, key, since, expiresAt })}\n`;

/** Write atomically (temp + rename): a reader never sees half a lock. */
async function rewrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(tmp, text, { mode: 0o600, flag: "wx" });
  await rename(tmp, file);
}

export async function acquireLocalLock(
  stateDir: string,
  key: string,
  me: LeaseOwner,
  expiresAt: number,
  now: () => number,
): Promise<LockResult> {
  const file = lockPath(stateDir, key);
  await mkdir(join(stateDir, "locks"), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 5; attempt++) {
    const since = new Date(now()).toISOString();
    try {
      const fh = await open(file, "wx", 0o600);
      try {
        await fh.writeFile(content(key, me, expiresAt, since));
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { ok: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const cur = await readLock(file);
    if (cur?.owner === me.id) {
      // Our own run (a --resume after a crash): take it back under this process's pid.
      await rewrite(file, content(key, me, expiresAt, cur.since));
      return { ok: true };
    }
    if (!isStale(cur, me, now())) return { ok: false, holder: cur! };
    await breakStale(file, cur);
  }
  const cur = await readLock(file);
  return cur ? { ok: false, holder: cur } : { ok: false, holder: unknownHolder(key) };
}

/**
 * Move a stale lock out of the way without ever removing a fresh one: rename it aside (only one
 * contender's rename of that file succeeds), check it is the stale lock we judged, and put it
 * back (link fails if a new lock already exists) if it was not.
 */
async function breakStale(file: string, judged: LockInfo | undefined): Promise<void> {
  const aside = `${file}.${randomBytes(6).toString("hex")}.stale`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = await readLock(aside);
  const same = JSON.stringify(moved) === JSON.stringify(judged);
  if (!same) await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
}

export async function renewLocalLock(
  stateDir: string,
  key: string,
  me: LeaseOwner,
  expiresAt: number,
): Promise<void> {
  const file = lockPath(stateDir, key);
  const cur = await readLock(file);
  if (cur?.owner === me.id && cur.pid === me.pid) await rewrite(file, content(key, me, expiresAt, cur.since));
}

export async function releaseLocalLock(stateDir: string, key: string, me: LeaseOwner): Promise<void> {
  const file = lockPath(stateDir, key);
  const cur = await readLock(file);
  if (cur?.owner === me.id) await unlink(file).catch(() => {});
}

/** Remove a group's lock whoever holds it (`rollcall recycle-cleanup`). */
export async function removeLocalLock(stateDir: string, key: string): Promise<LockInfo | undefined> {
  const file = lockPath(stateDir, key);
  const cur = await readLock(file);
  await unlink(file).catch(() => {});
  return cur;
}

function unknownHolder(key: string): LockInfo {
  return { owner: "unknown", host: "?", pid: 0, key, since: "?", expiresAt: 0 };
}
