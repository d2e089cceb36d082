import { execFileSync } from "node:child_process";
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { entryPath } from "../../src/cache/entry-file.js";
import {
  cacheKey,
  canonicalJson,
  fileStoreKey,
  type OpenSourceCacheOptions,
  openSourceCache,
} from "../../src/cache/source-cache.js";

let root: string;
let dir: string;
let problems: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "rollcall-cache-"));
  dir = join(root, "xdg", "rollcall");
  problems = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  await chmod(root, 0o700).catch(() => {});
  await rm(root, { recursive: true, force: true });
});

const open = (extra: Partial<OpenSourceCacheOptions> = {}) =>
  openSourceCache({ dir, onProblem: (m) => problems.push(m), ...extra });
const fileOf = (key: string) => entryPath(dir, fileStoreKey(key));
const groups = { groups: [{ id: "sig-1", name: "kafka", ip: "127.0.0.5" }] };
const isRoot = process.getuid?.() === 0;

describe("openSourceCache (directory store)", () => {
  it("round-trips an envelope, visible to a fresh open, one 0600 file in a 0700 directory", async () => {
    const key = cacheKey({ type: "spotinst", accountId: "act-1" });
    const cache = await open();
    expect(await cache.get(key)).toBeUndefined();
    const stored = await cache.set(key, groups, 60_000);
    expect(stored?.data).toEqual(groups);
    expect(stored?.version).toEqual(expect.any(Number));
    // No close(): the CLI may exit right after set() resolves, so the data must already be there.
    const again = await (await open()).get<typeof groups>(key);
    expect(again).toMatchObject({ data: groups, version: stored!.version });
    expect(again!.freshUntil).toBeGreaterThan(Date.now() + 50_000);
    expect(await readdir(dir)).toEqual([fileOf(key).split("/").pop()]);
    expect((await stat(fileOf(key))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    // The file is JSON as a whole, and its first line names the key and the expiry.
    const text = await readFile(fileOf(key), "utf8");
    expect(JSON.parse(text).key).toBe(fileStoreKey(key));
    expect(text.split("\n")[0]).toMatch(
      /^\{"rollcall_cache":1,"key":"rollcall:src:[0-9a-f]{64}","expires":\d+,"value":$/,
    );
  });

  it("every write gets a new version", async () => {
    const cache = await open();
    const a = await cache.set("k", 1, 60_000);
    await new Promise((r) => setTimeout(r, 5));
    const b = await cache.set("k", 2, 60_000);
    expect(b!.version).not.toBe(a!.version);
    expect((await cache.get("k"))!.version).toBe(b!.version);
  });

  it("keeps an entry stale_while_revalidate past its freshness, then drops it", async () => {
    const cache = await open();
    await cache.set("k", { a: 1 }, 20, 60_000);
    await cache.set("short", { b: 2 }, 20, 20);
    // Sleeps are lower bounds only, so a loaded machine cannot break this.
    await new Promise((r) => setTimeout(r, 60));
    const stale = await cache.get("k");
    expect(stale?.data).toEqual({ a: 1 });
    expect(stale!.freshUntil).toBeLessThan(Date.now());
    expect(await cache.get("short")).toBeUndefined();
  });

  it("does not store a value with a TTL of zero or less", async () => {
    const cache = await open();
    expect(await cache.set("k", 1, 0)).toBeUndefined();
    expect(await cache.get("k")).toBeUndefined();
  });

  it("deletes (invalidates) keys", async () => {
    const cache = await open();
    await cache.set("a", 1, 60_000);
    await cache.set("b", 2, 60_000);
    expect(await cache.delete(["a"])).toBe(true);
    const fresh = await open();
    expect(await fresh.get("a")).toBeUndefined();
    expect((await fresh.get("b"))?.data).toBe(2);
  });

  it.each([
    ["truncated", async (f: string) => truncate(f, 40)],
    ["garbage", async (f: string) => writeFile(f, "\u0000\u0001not json")],
    [
      "for another key",
      async (f: string) => writeFile(f, (await readFile(f, "utf8")).replace(/src:[0-9a-f]+/, "src:00")),
    ],
    ["empty", async (f: string) => writeFile(f, "")],
  ])("treats an entry that is %s as a silent miss and rewrites it", async (_what, damage) => {
    const errors = vi.spyOn(console, "error");
    const stderr = vi.spyOn(process.stderr, "write");
    const cache = await open();
    await cache.set("a", { list: [1, 2, 3] }, 60_000);
    await damage(fileOf("a"));
    const reopened = await open();
    expect(await reopened.get("a")).toBeUndefined();
    expect(await reopened.set("a", 2, 60_000)).toBeDefined();
    expect((await (await open()).get("a"))?.data).toBe(2);
    expect(errors).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    expect(problems).toEqual([]);
  });

  it("keeps identity values out of the file and the key", async () => {
    const identity = { type: "spotinst", accountId: "act-identity-42", endpoint: "https://api.example.test" };
    const key = cacheKey(identity);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const cache = await open();
    await cache.set(key, { groups: [] }, 60_000);
    const text = await readFile(fileOf(key), "utf8");
    for (const value of Object.values(identity)) expect(text).not.toContain(value);
  });
});

describe("trust checks", () => {
  async function planted() {
    // Somebody else's idea of our inventory, already in the directory.
    const cache = await open();
    await cache.set("k", { ip: "127.0.0.5" }, 60_000);
    return cache;
  }

  it("refuses a directory writable by others: a miss, one note saying how to fix it, no writes", async () => {
    await planted();
    await chmod(dir, 0o777);
    const cache = await open();
    expect(await cache.get("k")).toBeUndefined();
    expect(await cache.set("other", 1, 60_000)).toBeUndefined();
    expect(problems).toEqual([
      `cache: not using ${dir}: writable by group or others (mode 0777); fix with: chmod 700 ${dir}`,
    ]);
    expect(await readdir(dir)).toHaveLength(1);
  });

  it("refuses a directory owned by another user", async () => {
    await planted();
    // As the test user the directory is ours; claim to be someone else to see the refusal.
    const cache = await open({ uid: (process.getuid?.() ?? 0) + 4242 });
    expect(await cache.get("k")).toBeUndefined();
    expect(problems[0]).toMatch(/owned by uid \d+, not by you \(uid \d+\); remove it, or set XDG_CACHE_HOME/);
  });

  it.runIf(isRoot)("refuses a directory really owned by another user (chown)", async () => {
    await planted();
    await chown(dir, 65534, 65534);
    const cache = await open();
    expect(await cache.get("k")).toBeUndefined();
    expect(problems[0]).toContain("owned by uid 65534");
  });

  it("refuses an entry file writable by others or owned by someone else", async () => {
    await planted();
    await chmod(fileOf("k"), 0o666);
    expect(await (await open()).get("k")).toBeUndefined();
    if (isRoot) {
      await chmod(fileOf("k"), 0o600);
      await chown(fileOf("k"), 65534, 65534);
      expect(await (await open()).get("k")).toBeUndefined();
    }
  });

  it("never follows a symlink planted at an entry, and replaces it on write", async () => {
    const cache = await open();
    await cache.set("k", 1, 60_000);
    const victim = join(root, "victim.json");
    await writeFile(victim, (await readFile(fileOf("k"), "utf8")).replace('"data":1', '"data":666'));
    await rm(fileOf("k"));
    await symlink(victim, fileOf("k"));
    expect(await (await open()).get("k")).toBeUndefined();
    await cache.set("k", 2, 60_000);
    expect(await readFile(victim, "utf8")).toContain('"data":666');
    expect((await (await open()).get("k"))?.data).toBe(2);
  });

  it("does not hang on a FIFO planted at an entry", async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    execFileSync("mkfifo", ["-m", "600", fileOf("k")]);
    const started = Date.now();
    expect(await (await open()).get("k")).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.each([
    ["under /proc", () => "/proc/rollcall-test/rollcall"],
    [
      "under a regular file",
      async () => {
        await writeFile(join(root, "file"), "");
        return join(root, "file", "rollcall");
      },
    ],
    ["inside /proc/self", () => "/proc/self/rollcall"],
  ])("an unusable directory (%s) is a miss with one note, no throw, no hang", async (_what, where) => {
    const unusable = await where();
    const started = Date.now();
    const cache = await openSourceCache({ dir: unusable, onProblem: (m) => problems.push(m) });
    expect(await cache.get("k")).toBeUndefined();
    expect(await cache.set("k", 1, 60_000)).toBeUndefined();
    expect(await cache.tryLock("k", 1000)).toBeDefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cache: not using .*; set XDG_CACHE_HOME to a writable directory you own/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.runIf(isRoot)(
    "a directory root cannot write (immutable): writes fail with one note, reads still work",
    async (t) => {
      const cache = await open();
      await cache.set("k", 1, 60_000);
      try {
        execFileSync("chattr", ["+i", dir], { stdio: "ignore" });
      } catch {
        t.skip(); // no chattr, or no CAP_LINUX_IMMUTABLE here
        return;
      }
      try {
        const again = await open();
        expect((await again.get("k"))?.data).toBe(1);
        expect(await again.set("j", 1, 60_000)).toBeUndefined();
        expect(await again.tryLock("j", 1000)).toBeDefined();
        expect(problems).toEqual([
          expect.stringMatching(/^cache: cannot write in .* \(EPERM\)$/),
          expect.stringMatching(/^cache: cannot lock in .*; fetching without single-flight$/),
        ]);
      } finally {
        execFileSync("chattr", ["-i", dir], { stdio: "ignore" });
      }
    },
  );

  it.runIf(!isRoot)("a read-only directory: writes fail with one note, reads still work", async () => {
    const cache = await open();
    await cache.set("k", 1, 60_000);
    await chmod(dir, 0o500);
    const again = await open();
    expect((await again.get("k"))?.data).toBe(1);
    expect(await again.set("j", 1, 60_000)).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/^cache: cannot write in .*EACCES/)]);
    await chmod(dir, 0o700);
  });
});

describe("file locks", () => {
  it("one holder at a time; released locks can be taken again", async () => {
    const a = await open();
    const b = await open();
    const lock = await a.tryLock("k", 10_000);
    expect(lock).toBeDefined();
    expect(await b.tryLock("k", 10_000)).toBeUndefined();
    expect(await b.isLocked("k")).toBe(true);
    await lock!.release();
    expect(await b.isLocked("k")).toBe(false);
    const second = await b.tryLock("k", 10_000);
    expect(second).toBeDefined();
    await second!.release();
    expect((await readdir(dir)).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });

  it("takes over a lock whose holder died, or that expired", async () => {
    const cache = await open();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lockFile = `${fileOf("k")}.lock`;
    const dead = {
      owner: "x",
      pid: 2 ** 22 + 17,
      host: (await import("node:os")).hostname(),
      expires: Date.now() + 60_000,
    };
    await writeFile(lockFile, JSON.stringify(dead), { mode: 0o600 });
    expect(await cache.isLocked("k")).toBe(false);
    const lock = await cache.tryLock("k", 10_000);
    expect(lock).toBeDefined();
    await lock!.release();
    await writeFile(lockFile, JSON.stringify({ ...dead, pid: process.pid, expires: Date.now() - 1 }), {
      mode: 0o600,
    });
    expect(await cache.tryLock("k", 10_000)).toBeDefined();
  });

  it("a living holder keeps its lock past the TTL by renewing it", async () => {
    const a = await open();
    const b = await open();
    const lock = await a.tryLock("k", 60);
    await new Promise((r) => setTimeout(r, 250));
    expect(await b.isLocked("k")).toBe(true);
    expect(await b.tryLock("k", 60)).toBeUndefined();
    await lock!.release();
    const next = await b.tryLock("k", 60);
    expect(next).toBeDefined();
    await next!.release();
  });

  it("a release never removes somebody else's lock", async () => {
    const cache = await open();
    const lock = await cache.tryLock("k", 10_000);
    const lockFile = `${fileOf("k")}.lock`;
    const theirs = JSON.stringify({
      owner: "theirs",
      pid: process.pid,
      host: "h",
      expires: Date.now() + 60_000,
    });
    await writeFile(lockFile, theirs);
    await lock!.release();
    expect(await readFile(lockFile, "utf8")).toBe(theirs);
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
