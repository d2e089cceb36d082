// The Redis store against a real redis-server (test/helpers/redis.ts): same semantics as the
// directory store, plus what a network store adds — a password from the environment, a key
// prefix, SET NX PX locks, and a bounded, quiet fall-back when Redis is down or hung.
import { createClient } from "@keyv/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { obtain } from "../../src/cache/single-flight.js";
import { openSourceCache, type RedisSettings } from "../../src/cache/source-cache.js";
import { type RedisFixture, redisAvailability, startRedis, startSilentServer } from "../helpers/redis.js";

const availability = redisAvailability();
if (!availability.run) console.warn(availability.why);

describe.runIf(availability.run)("Redis store", () => {
  let redis: RedisFixture;
  let settings: RedisSettings;
  beforeAll(async () => {
    redis = await startRedis();
    settings = { url: redis.url, password: redis.password, keyPrefix: "team-a" };
  });
  afterAll(() => redis?.close());

  async function rawKeys(): Promise<Record<string, string>> {
    const client = createClient({ url: redis.url, password: redis.password });
    await client.connect();
    const out: Record<string, string> = {};
    for (const k of await client.keys("*")) out[k] = (await client.get(k)) ?? "";
    client.destroy();
    return out;
  }

  it("round-trips envelopes under the key prefix, with a TTL, and deletes them", async () => {
    const problems: string[] = [];
    const cache = await openSourceCache({
      dir: "/nonexistent",
      redis: settings,
      onProblem: (m) => problems.push(m),
    });
    expect(cache.kind).toBe("redis");
    const stored = await cache.set("abc", { hosts: ["127.0.0.3"] }, 60_000, 30_000);
    expect(stored?.data).toEqual({ hosts: ["127.0.0.3"] });
    const other = await openSourceCache({ dir: "/nonexistent", redis: settings });
    expect((await other.get("abc"))?.data).toEqual({ hosts: ["127.0.0.3"] });
    // A different prefix is a different cache.
    expect(
      await (await openSourceCache({ dir: "/x", redis: { ...settings, keyPrefix: "team-b" } })).get("abc"),
    ).toBeUndefined();
    const keys = await rawKeys();
    expect(Object.keys(keys)).toContain("team-a:src:abc");
    const client = createClient({ url: redis.url, password: redis.password });
    await client.connect();
    const ttl = await client.pTTL("team-a:src:abc");
    client.destroy();
    expect(ttl).toBeGreaterThan(80_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
    expect(await cache.delete(["abc"])).toBe(true);
    expect(await other.get("abc")).toBeUndefined();
    await cache.close();
    await other.close();
    expect(problems).toEqual([]);
  });

  it("locks with SET NX PX: one holder, released only by its owner", async () => {
    const a = await openSourceCache({ dir: "/x", redis: settings });
    const b = await openSourceCache({ dir: "/x", redis: settings });
    const lock = await a.tryLock("L", 10_000);
    expect(lock).toBeDefined();
    expect(await b.tryLock("L", 10_000)).toBeUndefined();
    expect(await b.isLocked("L")).toBe(true);
    await lock!.release();
    expect(await b.isLocked("L")).toBe(false);
    // A holder renews its lock while it lives: a short TTL does not lose it…
    const held = await b.tryLock("L", 60);
    await new Promise((r) => setTimeout(r, 200));
    expect(await a.tryLock("L", 10_000)).toBeUndefined();
    // …and never extends or removes a lock that expired and is someone else's now.
    const admin = createClient({ url: redis.url, password: redis.password });
    await admin.connect();
    await admin.set("team-a:lock:src:L", "someone-else", { expiration: { type: "PX", value: 10_000 } });
    await new Promise((r) => setTimeout(r, 100)); // a few renewal ticks
    expect(await admin.pTTL("team-a:lock:src:L")).toBeLessThanOrEqual(10_000);
    await held!.release();
    expect(await admin.get("team-a:lock:src:L")).toBe("someone-else");
    // A holder that died (no renewals) loses it within its TTL.
    await admin.set("team-a:lock:src:L", "crashed", { expiration: { type: "PX", value: 50 } });
    await new Promise((r) => setTimeout(r, 80));
    const after = await a.tryLock("L", 10_000);
    expect(after).toBeDefined();
    await after!.release();
    admin.destroy();
    await a.close();
    await b.close();
  });

  it("single-flight across clients: one fetch", async () => {
    let fetches = 0;
    const caches = await Promise.all(
      Array.from({ length: 6 }, () => openSourceCache({ dir: "/x", redis: settings })),
    );
    const results = await Promise.all(
      caches.map((c) =>
        obtain(c, {
          key: "sf",
          freshMs: 60_000,
          staleMs: 0,
          refresh: false,
          lockWaitMs: 5000,
          fetch: async () => {
            fetches++;
            await new Promise((r) => setTimeout(r, 100));
            return "once";
          },
          isTransient: () => false,
          note: () => {},
        }),
      ),
    );
    expect(fetches).toBe(1);
    expect(results.every((r) => r.data === "once")).toBe(true);
    for (const c of caches) await c.close();
  });

  it("needs the password, and never stores it or any secret in a key or value", async () => {
    const problems: string[] = [];
    const anon = await openSourceCache({
      dir: "/x",
      redis: { ...settings, password: undefined },
      onProblem: (m) => problems.push(m),
    });
    expect(await anon.get("abc")).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^cache: Redis at 127\.0\.0\.1:\d+ (is unavailable|failed) \(.*NOAUTH.*\); using the API$/,
    );
    const wrong = await openSourceCache({
      dir: "/x",
      redis: { ...settings, password: "wrong-password" },
      onProblem: (m) => problems.push(m),
    });
    expect(await wrong.get("abc")).toBeUndefined();
    expect(problems.join("\n")).not.toContain("wrong-password");
    const cache = await openSourceCache({ dir: "/x", redis: settings });
    await cache.set("secretless", { token: "not-here" }, 60_000);
    const dump = JSON.stringify(await rawKeys());
    expect(dump).not.toContain(redis.password);
    await cache.close();
  });

  it("works as an ACL user named in the URL, limited to its key prefix", async () => {
    const admin = createClient({ url: redis.url, password: redis.password });
    await admin.connect();
    await admin.sendCommand([
      "ACL",
      "SETUSER",
      "fleet",
      "on",
      ">fleet-pass-42",
      "~fleet:*",
      "+@connection",
      "+get",
      "+set",
      "+unlink",
      "+del",
      "+exists",
      "+multi",
      "+exec",
      "+eval",
    ]);
    admin.destroy();
    const url = redis.url.replace("redis://", "redis://fleet@");
    const problems: string[] = [];
    const cache = await openSourceCache({
      dir: "/x",
      redis: { url, password: "fleet-pass-42", keyPrefix: "fleet" },
      onProblem: (m) => problems.push(m),
    });
    expect(await cache.set("k", 1, 60_000)).toBeDefined();
    expect((await cache.get("k"))?.data).toBe(1);
    const lock = await cache.tryLock("k", 1000);
    expect(lock).toBeDefined();
    await lock!.release();
    expect(await cache.delete("k")).toBe(true);
    expect(problems).toEqual([]);
    await cache.close();
    // Outside its prefix it is refused: one note, and the API answers.
    const outside = await openSourceCache({
      dir: "/x",
      redis: { url, password: "fleet-pass-42", keyPrefix: "other" },
      onProblem: (m) => problems.push(m),
    });
    expect(await outside.get("k")).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/failed \(NOPERM/)]);
    await outside.close();
  });

  it("Redis stopped: one note, misses, no throw, fast", async () => {
    const cache = await openSourceCache({ dir: "/x", redis: settings });
    await cache.set("before", 1, 60_000);
    await redis.stop();
    try {
      const problems: string[] = [];
      const started = Date.now();
      // An open client whose server went away…
      expect(await cache.get("before")).toBeUndefined();
      expect(await cache.set("after", 1, 60_000)).toBeUndefined();
      expect(await cache.tryLock("after", 1000)).toBeDefined();
      // …and a new one that cannot connect.
      const fresh = await openSourceCache({ dir: "/x", redis: settings, onProblem: (m) => problems.push(m) });
      expect(await fresh.get("before")).toBeUndefined();
      expect(await fresh.set("x", 1, 1000)).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(5000);
      await cache.close();
      await fresh.close();
    } finally {
      await redis.start();
    }
  });

  it("a hung Redis (accepts, never answers) gives up within the 1 s connect bound", async () => {
    const silent = await startSilentServer();
    try {
      const problems: string[] = [];
      const started = Date.now();
      const cache = await openSourceCache({
        dir: "/x",
        redis: { url: `redis://127.0.0.1:${silent.port}/0`, keyPrefix: "p" },
        onProblem: (m) => problems.push(m),
      });
      const took = Date.now() - started;
      // The bound is the 1 s connect timeout (the note names it); the rest is a loaded machine.
      expect(took).toBeLessThan(3000);
      expect(took).toBeGreaterThanOrEqual(900);
      expect(await cache.get("k")).toBeUndefined();
      expect(problems).toEqual([
        expect.stringMatching(/unavailable \(no answer within 1000 ms\); using the API/),
      ]);
    } finally {
      await silent.close();
    }
  });
});

it.runIf(!availability.run)("Redis store: skipped", () => {
  console.warn(availability.why);
});
