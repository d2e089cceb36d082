// A keyv store adapter that keeps keyv-file's on-disk format ({cache:[[key,{value,expire}]],
// lastExpire}) but owns the I/O, because keyv-file's I/O cannot be fixed through its options:
//  - it writes the file in place (a crash or a concurrent reader sees a torn file) with the umask's
//    mode, after a setTimeout; and a set() that arrives while a write is in flight resolves with
//    that write, before its own data is on disk: fatal for a CLI that exits right after;
//  - its loader reports any error but ENOENT (a corrupt file included) with console.error;
//  - both live in TS-private methods, so a subclass cannot override them without fighting the
//    compiler and depending on internals.
// So: load = one readFile + one JSON.parse; a write re-reads the file under a short lock file,
// merges this process's changes into it, writes a 0600 temp file in the same directory and
// renames it over the old one. Readers never take the lock: rename makes every read see a whole
// file. A keyv-file instance can still read what we write (the tests check it).

import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { pid } from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import type { KeyvStoreAdapter } from "keyv";
import type { WrappedValue } from "keyv-file";

export interface AtomicFileStoreOptions {
  filename: string;
  /** How long a write waits for another process's lock before writing anyway. Default 2000. */
  lockTimeoutMs?: number;
  /** A lock file older than this was left by a crashed process and is removed. Default 10000. */
  staleLockMs?: number;
}

type Entries = Map<string, WrappedValue>;
/** A pending change: a new entry, or `undefined` for a delete. */
type Changes = Map<string, WrappedValue | undefined>;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AtomicFileStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts: Required<AtomicFileStoreOptions>;
  namespace?: string;
  private entries: Entries = new Map();
  private changes: Changes = new Map();
  private clearAll = false;
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(options: AtomicFileStoreOptions) {
    super();
    this.opts = { lockTimeoutMs: 2000, staleLockMs: 10_000, ...options };
  }

  /** Load the file once; any problem reading or parsing it is an empty cache, silently. */
  static async open(options: AtomicFileStoreOptions): Promise<AtomicFileStore> {
    const store = new AtomicFileStore(options);
    store.entries = await readEntries(options.filename);
    return store;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const entry = this.entries.get(key);
    return entry && !isExpired(entry, Date.now()) ? (entry.value as Value) : undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    return Promise.all(keys.map((key) => this.get<Value>(key)));
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Resolves once the value is in the file (not merely in memory). */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const entry: WrappedValue = { value };
    if (typeof ttl === "number" && ttl > 0) entry.expire = Date.now() + ttl;
    this.entries.set(key, entry);
    this.changes.set(key, entry);
    await this.flush();
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteMany([key]);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let existed = false;
    for (const key of keys) {
      existed = this.entries.delete(key) || existed;
      this.changes.set(key, undefined);
    }
    await this.flush();
    return existed;
  }

  async clear(): Promise<void> {
    this.entries.clear();
    this.changes.clear();
    this.clearAll = true;
    await this.flush();
  }

  async disconnect(): Promise<void> {
    await this.flushing;
  }

  /**
   * Writes are batched: changes made while a write is in flight go into the next one, and each
   * caller resolves when the write that carries its change has been renamed into place.
   */
  private flush(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.waiters.length > 0) {
      const changes = this.changes;
      const clearAll = this.clearAll;
      const waiters = this.waiters;
      this.changes = new Map();
      this.clearAll = false;
      this.waiters = [];
      try {
        await this.write(changes, clearAll);
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private async write(changes: Changes, clearAll: boolean): Promise<void> {
    const { filename } = this.opts;
    await mkdir(dirname(filename), { recursive: true, mode: 0o700 });
    const unlock = await acquireLock(`${filename}.lock`, this.opts.lockTimeoutMs, this.opts.staleLockMs);
    try {
      // Re-read under the lock so another process's keys written since we loaded survive.
      const merged = clearAll ? new Map() : await readEntries(filename);
      applyChanges(merged, changes);
      const now = Date.now();
      for (const [key, entry] of merged) if (isExpired(entry, now)) merged.delete(key);
      await writeAtomically(filename, JSON.stringify({ cache: [...merged], lastExpire: now }));
      // Our view becomes the file's, plus changes queued while we were writing.
      applyChanges(merged, this.changes);
      this.entries = merged;
    } finally {
      await unlock();
    }
  }
}

function applyChanges(entries: Entries, changes: Changes): void {
  for (const [key, entry] of changes) {
    if (entry === undefined) entries.delete(key);
    else entries.set(key, entry);
  }
}

function isExpired(entry: WrappedValue, now: number): boolean {
  return typeof entry.expire === "number" && entry.expire <= now;
}

async function readEntries(filename: string): Promise<Entries> {
  try {
    const doc: unknown = JSON.parse(await readFile(filename, "utf8"));
    const cache = (doc as { cache?: unknown } | null)?.cache;
    if (!Array.isArray(cache)) return new Map();
    const entries: Entries = new Map();
    for (const item of cache) {
      if (Array.isArray(item) && typeof item[0] === "string" && isWrapped(item[1]))
        entries.set(item[0], item[1]);
    }
    return entries;
  } catch {
    // Missing, unreadable, truncated or not JSON: a cache miss, and the next write replaces it.
    return new Map();
  }
}

function isWrapped(value: unknown): value is WrappedValue {
  return typeof value === "object" && value !== null && "value" in value;
}

async function writeAtomically(filename: string, text: string): Promise<void> {
  // Same directory as the target, so rename() is atomic (no cross-device move).
  const temp = `${filename}.${pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.chmod(0o600); // the umask may have removed bits we want
      await handle.writeFile(text, "utf8");
    } finally {
      await handle.close();
    }
    await rename(temp, filename);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * An advisory lock for the read-merge-write, so concurrent rollcall processes keep each other's
 * keys. It is best effort: after `timeoutMs` we write without it (the rename still guarantees a
 * whole file; at worst a concurrent key is lost and refetched next time).
 */
async function acquireLock(path: string, timeoutMs: number, staleMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await isStale(path, staleMs)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) return async () => undefined;
    await sleep(5 + Math.random() * 20);
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > staleMs;
  } catch {
    return false; // gone already: the next open() will tell
  }
}
