// One fetch per expiry, across processes and machines. When a source's cached result is missing
// or expired, the process that takes the store's lock fetches; the others wait for its result
// (polling the lock, bounded by `lockWaitMs`, then they fetch themselves) — so 20 `--list` runs
// starting together on an expired cache cost the API one fetch. With stale_while_revalidate an
// expired result inside its grace period is served at once while the lock holder refreshes, and
// served instead of an error when the API is throttling or failing.
import { setTimeout as sleep } from "node:timers/promises";
import type { Cached, SourceCache } from "./source-cache.js";

export interface ObtainOptions<T> {
  key: string;
  /** How long a fetched result is fresh (cache.ttl). */
  freshMs: number;
  /** How long after that it may still be served (cache.stale_while_revalidate). */
  staleMs: number;
  /** --refresh-cache: fetch and rewrite, whatever is cached. */
  refresh: boolean;
  /** Longest wait for another process's refresh before fetching ourselves. */
  lockWaitMs: number;
  fetch(): Promise<T>;
  /** May a stale result stand in for this fetch error (429, 5xx, network)? */
  isTransient(error: unknown): boolean;
  note(message: string): void;
  signal?: AbortSignal;
  /** Poll interval while waiting (default 25 ms, with jitter). */
  pollMs?: number;
}

export interface Obtained<T> {
  data: T;
  /**
   * The cached envelope the data is (a fetched result once stored), for callers that key other
   * entries by its version; undefined when the data is not what the cache now holds.
   */
  cached: Cached<T> | undefined;
  from: "cache" | "fetch" | "peer" | "stale";
}

/**
 * The refresh lock's TTL. The holder renews it while it fetches (source-cache.ts), so this bounds
 * how long a crashed holder blocks the others, not how long a fetch may take.
 */
const LOCK_TTL_MS = 15_000;

export async function obtain<T>(cache: SourceCache | undefined, o: ObtainOptions<T>): Promise<Obtained<T>> {
  if (!cache || !(o.freshMs > 0)) return { data: await o.fetch(), cached: undefined, from: "fetch" };
  if (o.refresh) return fetchAndStore(cache, o);
  const deadline = Date.now() + o.lockWaitMs;
  let current = await cache.get<T>(o.key);
  for (;;) {
    if (current && current.freshUntil > Date.now())
      return { data: current.data, cached: current, from: "cache" };
    const lock = await cache.tryLock(o.key, LOCK_TTL_MS);
    if (lock) {
      try {
        // Someone may have refreshed between our read and our lock.
        const again = await cache.get<T>(o.key);
        if (again && again.freshUntil > Date.now()) return { data: again.data, cached: again, from: "peer" };
        return await fetchAndStore(cache, o, again ?? current);
      } finally {
        await lock.release();
      }
    }
    if (current && o.staleMs > 0) {
      o.note(`serving the cached result ${age(current)} past its TTL while another process refreshes it`);
      return { data: current.data, cached: undefined, from: "stale" };
    }
    if (Date.now() >= deadline) {
      o.note(`waited ${Math.round(o.lockWaitMs / 1000)} s for another process's refresh; fetching`);
      return fetchAndStore(cache, o, current);
    }
    await waitWhileLocked(cache, o, deadline);
    current = await cache.get<T>(o.key);
  }
}

async function fetchAndStore<T>(
  cache: SourceCache,
  o: ObtainOptions<T>,
  stale?: Cached<T>,
): Promise<Obtained<T>> {
  let data: T;
  try {
    data = await o.fetch();
  } catch (error) {
    const servable = stale && !o.refresh && o.staleMs > 0 && stale.freshUntil + o.staleMs > Date.now();
    if (servable && o.isTransient(error)) {
      o.note(`serving the cached result ${age(stale)} past its TTL: ${(error as Error).message}`);
      return { data: stale.data, cached: undefined, from: "stale" };
    }
    throw error;
  }
  const cached = await cache.set(o.key, data, o.freshMs, o.staleMs);
  return { data, cached, from: "fetch" };
}

async function waitWhileLocked<T>(cache: SourceCache, o: ObtainOptions<T>, deadline: number): Promise<void> {
  const poll = o.pollMs ?? 25;
  while (Date.now() < deadline && (await cache.isLocked(o.key))) {
    o.signal?.throwIfAborted();
    await sleep(poll + Math.random() * poll, undefined, { signal: o.signal });
  }
}

function age(c: Cached<unknown>): string {
  const s = Math.max(0, Math.round((Date.now() - c.freshUntil) / 1000));
  return `${s} s`;
}
