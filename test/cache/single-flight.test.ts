// single-flight.ts over the real directory store: several SourceCache instances on one directory
// stand in for processes (the locks are files, so they do not share anything in memory).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ObtainOptions, obtain } from "../../src/cache/single-flight.js";
import { openSourceCache } from "../../src/cache/source-cache.js";
import { RemoteError } from "../../src/errors.js";

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "rollcall-sf-"));
  dir = join(root, "rollcall");
});
afterEach(() => rm(root, { recursive: true, force: true }));

const throttled = () =>
  new RemoteError({ service: "spotinst", operation: "GET /aws/ec2/group", status: 429 });
const forbidden = () =>
  new RemoteError({ service: "spotinst", operation: "GET /aws/ec2/group", status: 401 });

function options(over: Partial<ObtainOptions<unknown>> & { notes?: string[] }): ObtainOptions<unknown> {
  const notes = over.notes ?? [];
  return {
    key: "k",
    freshMs: 60_000,
    staleMs: 0,
    refresh: false,
    lockWaitMs: 5_000,
    fetch: async () => "fetched",
    isTransient: (e) => e instanceof RemoteError && e.data.status === 429,
    note: (m) => notes.push(m),
    pollMs: 5,
    ...over,
  };
}

describe("obtain", () => {
  it("many concurrent misses, one fetch; everyone gets its result", async () => {
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 100));
      return { n: fetches };
    };
    const caches = await Promise.all(Array.from({ length: 8 }, () => openSourceCache({ dir })));
    const results = await Promise.all(caches.map((c) => obtain(c, options({ fetch }))));
    expect(fetches).toBe(1);
    expect(results.map((r) => r.data)).toEqual(Array(8).fill({ n: 1 }));
    expect(results.filter((r) => r.from === "fetch")).toHaveLength(1);
    // Everyone knows the version it got, so the built output can be keyed by it.
    expect(new Set(results.map((r) => r.cached?.version)).size).toBe(1);
  });

  it("a fresh entry is a hit; --refresh-cache fetches anyway and rewrites", async () => {
    const cache = await openSourceCache({ dir });
    await obtain(cache, options({}));
    let fetched = false;
    const hit = await obtain(
      cache,
      options({
        fetch: async () => {
          fetched = true;
          return "new";
        },
      }),
    );
    expect([hit.data, hit.from, fetched]).toEqual(["fetched", "cache", false]);
    const refreshed = await obtain(cache, options({ refresh: true, fetch: async () => "new" }));
    expect([refreshed.data, refreshed.from]).toEqual(["new", "fetch"]);
    expect((await cache.get("k"))?.data).toBe("new");
  });

  it("serves the stale entry when the API throttles, within stale_while_revalidate", async () => {
    const cache = await openSourceCache({ dir });
    await obtain(cache, options({ freshMs: 20, staleMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 30));
    const notes: string[] = [];
    const got = await obtain(
      cache,
      options({ freshMs: 20, staleMs: 60_000, notes, fetch: async () => Promise.reject(throttled()) }),
    );
    expect([got.data, got.from, got.cached]).toEqual(["fetched", "stale", undefined]);
    expect(notes).toEqual([
      expect.stringMatching(/^serving the cached result \d+ s past its TTL: .*HTTP 429/),
    ]);
  });

  it("does not hide an error that is not transient, nor serve stale without the option", async () => {
    const cache = await openSourceCache({ dir });
    await obtain(cache, options({ freshMs: 20, staleMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 30));
    await expect(
      obtain(
        cache,
        options({ freshMs: 20, staleMs: 60_000, fetch: async () => Promise.reject(forbidden()) }),
      ),
    ).rejects.toThrow(/HTTP 401/);
    const plain = await openSourceCache({ dir: join(root, "other") });
    await obtain(plain, options({ freshMs: 20 }));
    await new Promise((r) => setTimeout(r, 30));
    await expect(
      obtain(plain, options({ freshMs: 20, fetch: async () => Promise.reject(throttled()) })),
    ).rejects.toThrow(/HTTP 429/);
  });

  it("serves stale at once while another process holds the refresh lock", async () => {
    const cache = await openSourceCache({ dir });
    await obtain(cache, options({ freshMs: 20, staleMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 30));
    const other = await openSourceCache({ dir });
    const lock = await other.tryLock("k", 60_000);
    const notes: string[] = [];
    const started = Date.now();
    const got = await obtain(cache, options({ freshMs: 20, staleMs: 60_000, lockWaitMs: 20_000, notes }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(got.from).toBe("stale");
    expect(notes[0]).toMatch(/while another process refreshes it/);
    await lock!.release();
  });

  it("waits at most lock_wait for a stuck refresher, then fetches itself", async () => {
    const other = await openSourceCache({ dir });
    const lock = await other.tryLock("k", 60_000);
    const notes: string[] = [];
    const started = Date.now();
    const got = await obtain(await openSourceCache({ dir }), options({ lockWaitMs: 200, notes }));
    const waited = Date.now() - started;
    expect(got).toMatchObject({ data: "fetched", from: "fetch" });
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(10_000);
    expect(notes).toEqual(["waited 0 s for another process's refresh; fetching"]);
    await lock!.release();
  });

  it("a waiter whose refresher failed takes the lock and fetches", async () => {
    const caches = await Promise.all([openSourceCache({ dir }), openSourceCache({ dir })]);
    let calls = 0;
    const fetch = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      if (calls === 1) throw throttled();
      return "second";
    };
    const results = await Promise.allSettled(caches.map((c) => obtain(c, options({ fetch }))));
    expect(calls).toBe(2);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("without a cache, or with ttl 0, just fetches", async () => {
    expect(await obtain(undefined, options({}))).toEqual({
      data: "fetched",
      cached: undefined,
      from: "fetch",
    });
    const cache = await openSourceCache({ dir });
    expect((await obtain(cache, options({ freshMs: 0 }))).from).toBe("fetch");
    expect(await cache.get("k")).toBeUndefined();
  });
});
