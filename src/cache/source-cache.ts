// The inventory's source cache: keyv in front of one of two stores — the hardened directory store
// (default, file-store.ts) or Redis (shared between machines, redis-store.ts) — plus the lock
// single-flight.ts needs. Values are the raw source results in an envelope that says when they
// were fetched and until when they are fresh; keyv keeps them `stale_while_revalidate` longer so
// an expired result can still be served while one process refreshes it.
//
// The cache never fails the command: an untrusted or unusable directory, or Redis being down, is
// one note through `onProblem` and a miss from then on.
import { createHash } from "node:crypto";
import { getuid } from "node:process";
import { entryPath } from "./entry-file.js";
import { envelopeCache, newKeyv } from "./envelope-cache.js";
import { isLockHeld, newOwnerToken, releaseLockFile, renewLockFile, tryLockFile } from "./file-lock.js";
import { DirectoryStore } from "./file-store.js";
import type { RedisBackend } from "./redis-store.js";

/** keyv's namespace for the directory store; the lean path relies on `rollcall:<key>` keys. */
export const FILE_NAMESPACE = "rollcall";

export interface RedisSettings {
  url: string;
  /** From the environment (cache.password_env), never from the config file. */
  password?: string;
  keyPrefix: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export interface OpenSourceCacheOptions {
  /** The local directory, e.g. $XDG_CACHE_HOME/rollcall; created 0700 on first use. */
  dir: string;
  /** Use Redis instead of the directory. */
  redis?: RedisSettings;
  /** Owner required of the directory and its files; default: the current user. */
  uid?: number;
  /** Something the user should know (told once per problem): shown under -v. */
  onProblem?: (message: string) => void;
}

export interface Cached<T> {
  data: T;
  fetchedAt: number;
  /** After this the value is stale: served only under stale_while_revalidate. */
  freshUntil: number;
  /** Changes with every write of the key (the store's expiry stamp); undefined if unknown. */
  version: number | undefined;
}

export interface Lock {
  release(): Promise<void>;
}

export interface SourceCache {
  readonly kind: "file" | "redis";
  /** Where, for notes: the directory, or Redis host:port. */
  readonly location: string;
  get<T>(key: string): Promise<Cached<T> | undefined>;
  /** Store a fetched value; the stored envelope, or undefined when the store failed. */
  set<T>(key: string, data: T, freshMs: number, staleMs?: number): Promise<Cached<T> | undefined>;
  /** Invalidate (e.g. after a recycle). False when the store failed. */
  delete(keys: string | readonly string[]): Promise<boolean>;
  /** The refresh lock: a Lock, or undefined when another process holds it. */
  tryLock(key: string, ttlMs: number): Promise<Lock | undefined>;
  isLocked(key: string): Promise<boolean>;
  close(): Promise<void>;
}

const NO_LOCK: Lock = { release: async () => {} };

/**
 * A lock we hold is renewed every third of its TTL until released: a refresh that takes long
 * (the API is throttling us) keeps it, and a holder that dies loses it within one TTL.
 */
function heldLock(ttlMs: number, ops: { renew(): Promise<void>; release(): Promise<void> }): Lock {
  const timer = setInterval(
    () => {
      ops.renew().catch(() => {});
    },
    Math.max(10, ttlMs / 3),
  );
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await ops.release();
    },
  };
}

export async function openSourceCache(options: OpenSourceCacheOptions): Promise<SourceCache> {
  const said = new Set<string>();
  const tell = (message: string) => {
    if (said.has(message)) return;
    said.add(message);
    options.onProblem?.(message);
  };
  if (options.redis) {
    const redis = await openRedis(options.redis, tell);
    // Redis down: no cache at all for this run (the API answers), never the local directory,
    // which other machines could not see anyway.
    return redis ? redisCache(redis, tell) : disabledCache(options.redis.url);
  }
  return fileCache(options.dir, options.uid ?? currentUid(), tell);
}

async function openRedis(settings: RedisSettings, tell: (m: string) => void) {
  const { connectRedis, redisLocation } = await import("./redis-store.js");
  try {
    return await connectRedis(settings);
  } catch (error) {
    tell(`cache: Redis at ${redisLocation(settings.url)} is unavailable (${describe(error)}); using the API`);
    return undefined;
  }
}

/** The uid cache files must belong to; undefined where the platform has none (Windows). */
export function currentUid(): number | undefined {
  return typeof getuid === "function" ? getuid() : undefined;
}

/** The directory store's key for a source key (the lean path finds entries by it). */
export function fileStoreKey(key: string): string {
  return `${FILE_NAMESPACE}:src:${key}`;
}

function fileCache(dir: string, uid: number | undefined, tell: (m: string) => void): SourceCache {
  const store = new DirectoryStore({ dir, uid });
  const check = store.usable();
  if (!check.ok) tell(check.problem);
  const lockPath = (key: string) => `${entryPath(dir, fileStoreKey(key))}.lock`;
  return envelopeCache({
    kind: "file",
    location: dir,
    keyv: newKeyv(store, FILE_NAMESPACE, true),
    isDown: () => !check.ok,
    onError: (error, what) => tell(`cache: cannot ${what} in ${dir} (${describe(error)})`),
    versionAfterSet: (key) => store.expiresOf(fileStoreKey(key)) ?? undefined,
    async tryLock(key, ttlMs) {
      if (!check.ok) return NO_LOCK;
      const owner = newOwnerToken();
      try {
        if (!tryLockFile(lockPath(key), ttlMs, owner)) return undefined;
      } catch (error) {
        // Cannot even create a lock file: nobody can, so fetching ourselves is the answer.
        tell(`cache: cannot lock in ${dir} (${describe(error)}); fetching without single-flight`);
        return NO_LOCK;
      }
      return heldLock(ttlMs, {
        renew: async () => renewLockFile(lockPath(key), owner, ttlMs),
        release: async () => releaseLockFile(lockPath(key), owner),
      });
    },
    async isLocked(key) {
      return check.ok && isLockHeld(lockPath(key));
    },
    close: async () => {},
  });
}

function redisCache(redis: RedisBackend, tell: (m: string) => void): SourceCache {
  let down = false;
  // The first failure is told once; from then on this run does without the cache.
  const fail = (error: unknown) => {
    if (!down) tell(`cache: Redis at ${redis.location} failed (${describe(error)}); using the API`);
    down = true;
  };
  const lockKey = (key: string) => `src:${key}`;
  return envelopeCache({
    kind: "redis",
    location: redis.location,
    // The adapter prefixes `<key_prefix>:` itself, so keyv must not add its own.
    keyv: newKeyv(redis.adapter, redis.keyPrefix, false),
    isDown: () => down,
    onError: fail,
    versionAfterSet: () => undefined,
    async tryLock(key, ttlMs) {
      if (down) return NO_LOCK;
      const owner = newOwnerToken();
      try {
        if (!(await redis.tryLock(lockKey(key), owner, ttlMs))) return undefined;
      } catch (error) {
        fail(error);
        return NO_LOCK;
      }
      return heldLock(ttlMs, {
        renew: async () => {
          if (!down) await redis.renewLock(lockKey(key), owner, ttlMs).catch(fail);
        },
        release: async () => {
          if (!down) await redis.releaseLock(lockKey(key), owner).catch(fail);
        },
      });
    },
    async isLocked(key) {
      if (down) return false;
      try {
        return await redis.isLocked(lockKey(key));
      } catch (error) {
        fail(error);
        return false;
      }
    },
    close: () => redis.close(),
  });
}

function disabledCache(url: string): SourceCache {
  return {
    kind: "redis",
    location: url,
    get: async () => undefined,
    set: async () => undefined,
    delete: async () => false,
    tryLock: async () => NO_LOCK,
    isLocked: async () => false,
    close: async () => {},
  };
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException | undefined;
  const text = e?.code ?? e?.message ?? String(error);
  return text.split("\n")[0]!.slice(0, 200);
}

/**
 * The cache key of a source query: sha256 of canonical JSON (object keys sorted at every depth,
 * undefined dropped). Pass what changes the result (source type, account, region, endpoint,
 * filters) and never a secret: the key is a hash, but a token in it would still tie the cache to
 * one token and the hash of a short secret can be guessed.
 */
export function cacheKey(parts: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
