// The default cache store: a keyv store adapter over a directory with one file per entry
// (entry-file.ts has the format and the safe I/O). It replaces keyv-file, whose I/O could not be
// fixed through its options: it kept every entry in one file rewritten in place with the umask's
// mode, read the whole file to answer any question, and printed parse errors with console.error.
// One file per entry means a write never merges with another process's (rename is the whole
// transaction), a reader never pays for entries it does not want, and the lean hit path
// (lean-output.ts) can read one entry's header without keyv.
//
// keyv hands us `{ value, expires }` objects (its serialisation is off); the file keeps
// `expires` in the header and the object as the value, so keyv's own expiry check still runs.
import { EventEmitter } from "node:events";
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { KeyvStoreAdapter } from "keyv";
import { type DirCheck, ensureCacheDir } from "./dir-trust.js";
import { entryPath, isLive, readEntry, readEntryHeader, removeEntry, writeEntry } from "./entry-file.js";

export interface DirectoryStoreOptions {
  dir: string;
  /** Files and the directory must belong to this uid (undefined: no owner check). */
  uid: number | undefined;
}

/** Temp and void-lock files older than this were left by a crashed process. */
const LEFTOVER_MS = 60_000;

export class DirectoryStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts: DirectoryStoreOptions;
  namespace?: string;
  /** Checked once, on first use: a refused directory is never read from or written to. */
  private check: DirCheck | undefined;
  private swept = false;

  constructor(options: DirectoryStoreOptions) {
    super();
    this.opts = options;
  }

  get dir(): string {
    return this.opts.dir;
  }

  /** Create (0700) and check the directory; the verdict is kept for the life of the store. */
  usable(): DirCheck {
    this.check ??= ensureCacheDir(this.opts.dir, this.opts.uid);
    return this.check;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    if (!this.usable().ok) return undefined;
    const entry = readEntry(entryPath(this.dir, key), key, this.opts.uid);
    if (!entry || !isLive(entry, Date.now())) return undefined;
    try {
      return JSON.parse(entry.body.toString("utf8")) as Value;
    } catch {
      return undefined; // a damaged value is a miss, silently
    }
  }

  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    return Promise.all(keys.map((key) => this.get<Value>(key)));
  }

  async has(key: string): Promise<boolean> {
    return this.expiresOf(key) !== undefined;
  }

  /** The live entry's expiry (null: none), from its header alone; undefined when there is none. */
  expiresOf(key: string): number | null | undefined {
    if (!this.usable().ok) return undefined;
    const header = readEntryHeader(entryPath(this.dir, key), key, this.opts.uid);
    return header && isLive(header, Date.now()) ? header.expires : undefined;
  }

  /** Resolves once the value is in its file; throws (keyv reports it) when it cannot be. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const check = this.usable();
    if (!check.ok) throw new Error(check.problem);
    const expires = expiryOf(value, ttl);
    writeEntry(this.dir, key, expires, JSON.stringify(value));
    this.sweepOnce();
    return true;
  }

  async delete(key: string): Promise<boolean> {
    if (!this.usable().ok) return false;
    return removeEntry(this.dir, key);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let any = false;
    for (const key of keys) any = (await this.delete(key)) || any;
    return any;
  }

  async clear(): Promise<void> {
    if (!this.usable().ok) return;
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith(".json")) unlinkSync(join(this.dir, name));
    }
  }

  async disconnect(): Promise<void> {}

  /**
   * Once per process, after a write: remove expired entries and what crashed processes left
   * (temp files, broken-lock leftovers). Reads headers only, so it stays cheap.
   */
  private sweepOnce(): void {
    if (this.swept) return;
    this.swept = true;
    const now = Date.now();
    try {
      for (const name of readdirSync(this.dir)) {
        const path = join(this.dir, name);
        if (name.endsWith(".tmp") || name.endsWith(".void")) {
          if (now - statSync(path).mtimeMs > LEFTOVER_MS) unlinkSync(path);
          continue;
        }
        if (!name.endsWith(".json")) continue;
        const header = readEntryHeader(path, undefined, this.opts.uid);
        if (header && !isLive(header, now)) unlinkSync(path);
      }
    } catch {
      // housekeeping only: a race with another process's sweep is harmless
    }
  }
}

function expiryOf(value: unknown, ttl: number | undefined): number | null {
  const fromKeyv = (value as { expires?: unknown } | null)?.expires;
  if (typeof fromKeyv === "number") return fromKeyv;
  return typeof ttl === "number" && ttl > 0 ? Date.now() + ttl : null;
}
