// The inventory's source cache: keyv in front, one JSON file behind (see file-store.ts for why the
// store is ours). Values are the raw source results, stored as plain JSON (keyv's string
// serialisation is off), so a hit costs one readFile + one JSON.parse and nothing per host.
import { createHash } from "node:crypto";
import { join } from "node:path";
import Keyv from "keyv";
import { AtomicFileStore } from "./file-store.js";

export const CACHE_FILE_NAME = "inventory-cache.json";

export interface OpenSourceCacheOptions {
  /** The directory, e.g. $XDG_CACHE_HOME/rollcall; created 0700 on the first write. */
  dir: string;
  fileName?: string;
  /** A write that failed (read-only home, full disk). The cache never throws and never prints. */
  onError?: (error: Error) => void;
}

export interface SourceCache {
  readonly file: string;
  /** The value, or undefined on a miss (absent, expired, or the file was corrupt). */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Store a JSON-serialisable value; resolves once it is on disk. `ttlMs` must be > 0 (a value
   * that is already stale is not stored). False when the write failed (reported to onError).
   */
  set(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** Invalidate entries (e.g. after a recycle). False when the write failed. */
  delete(keys: string | readonly string[]): Promise<boolean>;
  close(): Promise<void>;
}

export async function openSourceCache(options: OpenSourceCacheOptions): Promise<SourceCache> {
  const file = join(options.dir, options.fileName ?? CACHE_FILE_NAME);
  const store = await AtomicFileStore.open({ filename: file });
  let failed: Error | undefined;
  const keyv = new Keyv({
    store,
    namespace: "rollcall",
    // Plain objects straight to the store: no JSON-in-a-string, no per-value reviver pass.
    serialize: undefined,
    deserialize: undefined,
  });
  keyv.on("error", (error: unknown) => {
    failed = error instanceof Error ? error : new Error(String(error));
    options.onError?.(failed);
  });

  // keyv reports store failures through its error event and a `false`; turn that into our result.
  async function settle(run: () => Promise<boolean>): Promise<boolean> {
    failed = undefined;
    const ok = await run();
    return ok && failed === undefined;
  }

  return {
    file,
    get: <T>(key: string) => keyv.get<T>(key),
    async set(key, value, ttlMs) {
      if (!(ttlMs > 0)) return false;
      return settle(() => keyv.set(key, value, ttlMs));
    },
    async delete(keys) {
      const list = typeof keys === "string" ? [keys] : [...keys];
      if (list.length === 0) return true;
      // keyv's boolean says whether the keys existed; we only report whether the write worked.
      return settle(async () => {
        await keyv.delete(list);
        return true;
      });
    },
    close: () => keyv.disconnect(),
  };
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
