// The envelope store behind both cache backends: entries carry fetchedAt/freshUntil so TTL and
// stale-while-revalidate are decided here, the same way for the file and the Redis store.
import Keyv, { type KeyvStoreAdapter } from "keyv";
import { DirectoryStore } from "./file-store.js";
import type { Lock, SourceCache } from "./source-cache.js";

export interface Envelope<T> {
  fetchedAt: number;
  freshUntil: number;
  data: T;
}

export interface EnvelopeCacheParts {
  kind: "file" | "redis";
  location: string;
  keyv: Keyv;
  /** True when the store must not be used (refused directory, Redis gone). */
  isDown(): boolean;
  onError(error: unknown, what: string): void;
  /** The version just written, when the store can say it without re-reading the value. */
  versionAfterSet(key: string): number | undefined;
  tryLock(key: string, ttlMs: number): Promise<Lock | undefined>;
  isLocked(key: string): Promise<boolean>;
  close(): Promise<void>;
}

export function envelopeCache(parts: EnvelopeCacheParts): SourceCache {
  const { keyv } = parts;
  const keyOf = (key: string) => `src:${key}`;
  return {
    kind: parts.kind,
    location: parts.location,
    async get<T>(key: string) {
      if (parts.isDown()) return undefined;
      try {
        const raw = (await keyv.get(keyOf(key), { raw: true })) as
          | { value?: Envelope<T>; expires?: number }
          | undefined;
        const env = raw?.value;
        if (!isEnvelope<T>(env)) return undefined;
        return { ...env, version: raw?.expires };
      } catch (error) {
        parts.onError(error, "read");
        return undefined;
      }
    },
    async set<T>(key: string, data: T, freshMs: number, staleMs = 0) {
      if (parts.isDown() || !(freshMs > 0)) return undefined;
      const now = Date.now();
      const env: Envelope<T> = { fetchedAt: now, freshUntil: now + freshMs, data };
      try {
        if (!(await keyv.set(keyOf(key), env, freshMs + Math.max(0, staleMs)))) return undefined;
      } catch (error) {
        parts.onError(error, "write");
        return undefined;
      }
      return { ...env, version: parts.versionAfterSet(key) };
    },
    async delete(keys) {
      const list = typeof keys === "string" ? [keys] : [...keys];
      if (list.length === 0) return true;
      if (parts.isDown()) return false;
      try {
        await keyv.delete(list.map(keyOf));
        return true;
      } catch (error) {
        parts.onError(error, "delete");
        return false;
      }
    },
    tryLock: parts.tryLock,
    isLocked: parts.isLocked,
    close: parts.close,
  };
}

/**
 * keyv over a store. keyv hands its namespace to the store; `keyvPrefixes` says whether keyv also
 * prefixes keys itself (the directory store) or leaves that to the store (the Redis adapter).
 */
export function newKeyv(store: KeyvStoreAdapter, namespace: string, keyvPrefixes: boolean): Keyv {
  const keyv = new Keyv({
    store,
    namespace,
    useKeyPrefix: keyvPrefixes,
    // Plain objects straight to the file store (no JSON-in-a-string); Redis needs strings and
    // gets keyv's default serialiser.
    ...(store instanceof DirectoryStore ? { serialize: undefined, deserialize: undefined } : {}),
    throwOnErrors: true,
  });
  // keyv also emits what it throws; without a listener an 'error' event would crash the process.
  keyv.on("error", () => {});
  return keyv;
}

export function isEnvelope<T>(value: unknown): value is Envelope<T> {
  const v = value as Envelope<T> | undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.fetchedAt === "number" &&
    typeof v.freshUntil === "number" &&
    "data" in v
  );
}
