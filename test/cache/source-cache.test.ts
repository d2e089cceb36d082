import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyvFile } from "keyv-file";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CACHE_FILE_NAME, cacheKey, canonicalJson, openSourceCache } from "../../src/cache/source-cache.js";

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "rollcall-cache-"));
  dir = join(root, "xdg", "rollcall");
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

const groups = {
  groups: [{ id: "sig-1", name: "kafka" }],
  ssis: { "sig-1": [{ id: "ssi-1", state: "ACTIVE" }] },
};

describe("openSourceCache", () => {
  it("round-trips a value through the file, visible to a fresh open", async () => {
    const key = cacheKey({ type: "spotinst", accountId: "act-1" });
    const cache = await openSourceCache({ dir });
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.set(key, groups, 60_000)).toBe(true);
    expect(await cache.get(key)).toEqual(groups);
    // No close(): the CLI may exit right after set() resolves, so the data must already be there.
    const again = await openSourceCache({ dir });
    expect(await again.get(key)).toEqual(groups);
    const doc = JSON.parse(await readFile(join(dir, CACHE_FILE_NAME), "utf8"));
    expect(Array.isArray(doc.cache)).toBe(true);
  });

  it("treats expired entries as misses and drops them on the next write", async () => {
    const cache = await openSourceCache({ dir });
    await cache.set("short", { a: 1 }, 30);
    await cache.set("long", { b: 2 }, 60_000);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get("short")).toBeUndefined();
    expect(await (await openSourceCache({ dir })).get("short")).toBeUndefined();
    await cache.set("other", 1, 60_000);
    const text = await readFile(cache.file, "utf8");
    expect(text).not.toContain('"a":1');
    expect(text).toContain('"b":2');
  });

  it("does not store a value with a TTL of zero or less", async () => {
    const cache = await openSourceCache({ dir });
    expect(await cache.set("k", 1, 0)).toBe(false);
    expect(await cache.get("k")).toBeUndefined();
  });

  it("writes the file 0600 inside a 0700 directory, leaving no temp or lock files", async () => {
    const cache = await openSourceCache({ dir });
    await cache.set("k", { v: 1 }, 60_000);
    expect((await stat(cache.file)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dir)).toEqual([CACHE_FILE_NAME]);
  });

  it("deletes (invalidates) keys, in this process and on disk", async () => {
    const cache = await openSourceCache({ dir });
    await cache.set("a", 1, 60_000);
    await cache.set("b", 2, 60_000);
    expect(await cache.delete(["a"])).toBe(true);
    expect(await cache.get("a")).toBeUndefined();
    const fresh = await openSourceCache({ dir });
    expect(await fresh.get("a")).toBeUndefined();
    expect(await fresh.get("b")).toBe(2);
  });

  it("treats a truncated file as a silent miss and rewrites it valid", async () => {
    const errors = vi.spyOn(console, "error");
    const warnings = vi.spyOn(console, "warn");
    const stderr = vi.spyOn(process.stderr, "write");
    const cache = await openSourceCache({ dir });
    await cache.set("a", { list: [1, 2, 3] }, 60_000);
    await truncate(cache.file, 20);

    const reopened = await openSourceCache({ dir });
    expect(await reopened.get("a")).toBeUndefined();
    expect(await reopened.set("b", 2, 60_000)).toBe(true);
    const doc = JSON.parse(await readFile(reopened.file, "utf8"));
    expect(doc.cache.map((e: [string]) => e[0])).toEqual(["rollcall:b"]);
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
  });

  it.each([
    ["garbage", "\u0000\u0001not json"],
    ["valid JSON, wrong shape", '{"cache": {"nope": 1}}'],
    ["an array", "[1,2,3]"],
    ["empty", ""],
  ])("treats a file that is %s as a miss", async (_what, content) => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, CACHE_FILE_NAME), content);
    const cache = await openSourceCache({ dir });
    expect(await cache.get("anything")).toBeUndefined();
    expect(await cache.set("k", 1, 60_000)).toBe(true);
    expect(await (await openSourceCache({ dir })).get("k")).toBe(1);
  });

  it("reports a failed write through onError and false, without throwing or printing", async () => {
    const errors = vi.spyOn(console, "error");
    // The cache "directory" is a file: mkdir fails.
    await writeFile(join(root, "blocked"), "");
    const seen: Error[] = [];
    const cache = await openSourceCache({ dir: join(root, "blocked"), onError: (e) => seen.push(e) });
    expect(await cache.get("k")).toBeUndefined();
    expect(await cache.set("k", 1, 60_000)).toBe(false);
    expect(seen).toHaveLength(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it("merges with keys another process wrote after this one loaded", async () => {
    const first = await openSourceCache({ dir });
    const second = await openSourceCache({ dir });
    await first.set("from-first", 1, 60_000);
    await second.set("from-second", 2, 60_000);
    const fresh = await openSourceCache({ dir });
    expect(await fresh.get("from-first")).toBe(1);
    expect(await fresh.get("from-second")).toBe(2);
    // The second instance's own view picked up the first's key with its write.
    expect(await second.get("from-first")).toBe(1);
  });

  it("batches concurrent sets in one process and resolves each once it is on disk", async () => {
    const cache = await openSourceCache({ dir });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => cache.set(`k${i}`, { i }, 60_000)),
    );
    expect(results.every(Boolean)).toBe(true);
    const doc = JSON.parse(await readFile(cache.file, "utf8"));
    expect(doc.cache).toHaveLength(20);
  });

  it("takes over a lock file left by a crashed process", async () => {
    const cache = await openSourceCache({ dir });
    await cache.set("a", 1, 60_000);
    const lock = `${cache.file}.lock`;
    await writeFile(lock, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const started = Date.now();
    expect(await cache.set("b", 2, 60_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await readdir(dir)).toEqual([CACHE_FILE_NAME]);
  });

  it("writes keyv-file's format, so keyv-file itself can read the file", async () => {
    const cache = await openSourceCache({ dir });
    await cache.set("k", { hello: "world" }, 60_000);
    const plain = new KeyvFile({ filename: cache.file, writeDelay: 0 });
    expect(await plain.get("rollcall:k")).toEqual({ value: { hello: "world" }, expires: expect.any(Number) });
  });

  it("keeps identity values out of the file and the key", async () => {
    const identity = { type: "spotinst", accountId: "act-identity-42", endpoint: "https://api.example.test" };
    const key = cacheKey(identity);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const cache = await openSourceCache({ dir });
    await cache.set(key, { groups: [] }, 60_000);
    const text = await readFile(cache.file, "utf8");
    for (const value of Object.values(identity)) expect(text).not.toContain(value);
  });
});

describe("cacheKey", () => {
  it("does not depend on key order, at any depth", () => {
    const a = cacheKey({
      type: "spotinst",
      filters: { state: ["ACTIVE"], include: "kafka-*" },
      account: "act-1",
    });
    const b = cacheKey({
      account: "act-1",
      filters: { include: "kafka-*", state: ["ACTIVE"] },
      type: "spotinst",
    });
    expect(a).toBe(b);
  });

  it("changes with any value, and keeps array order significant", () => {
    const base = cacheKey({ type: "spotinst", regions: ["a", "b"] });
    expect(cacheKey({ type: "spotinst", regions: ["b", "a"] })).not.toBe(base);
    expect(cacheKey({ type: "aws", regions: ["a", "b"] })).not.toBe(base);
  });

  it("ignores undefined members like JSON does", () => {
    expect(canonicalJson({ b: 1, a: undefined, c: { z: 1, y: [2, { q: 1, p: 0 }] } })).toBe(
      '{"b":1,"c":{"y":[2,{"p":0,"q":1}],"z":1}}',
    );
  });
});
