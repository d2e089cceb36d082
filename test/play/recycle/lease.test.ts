// The lease machinery on its own: the local lock file (O_EXCL, stale by dead pid, taken back by
// its own run id) and the cloud check-then-write-then-re-read against a store whose writes race.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLeaseRegistry, decodeLease, type LeaseStore } from "../../../src/play/recycle/lease.js";
import { acquireLocalLock, lockPath } from "../../../src/play/recycle/lease-local.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-lease-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const me = (id: string) => ({ id, host: hostname(), pid: process.pid });

describe("local lock", () => {
  it("one holder; another run is refused with the holder; released, it is free again", async () => {
    const a = createLeaseRegistry({ stateDir: dir, owner: "run-a" });
    const b = createLeaseRegistry({ stateDir: dir, owner: "run-b" });
    expect(await a.holdLocal("asg:r:g", "ASG g", "cleanup")).toBeUndefined();
    const refused = await b.holdLocal("asg:r:g", "ASG g", "cleanup");
    expect(refused).toMatch(
      /^ASG g is being recycled by another rollcall run \(run run-a, host .+, pid \d+\); its lease expires /,
    );
    await a.releaseAll();
    expect(await b.holdLocal("asg:r:g", "ASG g", "cleanup")).toBeUndefined();
    await b.releaseAll();
  });

  it("a lock left by a dead process on this host is stale and taken over", async () => {
    const file = lockPath(dir, "k");
    await mkdir(join(dir, "locks"), { recursive: true });
    // pid 2^22+1 is above Linux's pid_max default: no such process.
    const dead = {
      owner: "run-dead",
      host: hostname(),
      pid: 4_194_305,
      key: "k",
      since: "x",
      expiresAt: Date.now() + 60_000,
    };
    await writeFile(file, JSON.stringify(dead));
    const r = await acquireLocalLock(dir, "k", me("run-new"), Date.now() + 60_000, Date.now);
    expect(r.ok).toBe(true);
    expect(JSON.parse(await readFile(file, "utf8")).owner).toBe("run-new");
  });

  it("the same run id takes its own lock back (a --resume after a crash)", async () => {
    expect((await acquireLocalLock(dir, "k", me("run-1"), Date.now() + 1000, Date.now)).ok).toBe(true);
    expect((await acquireLocalLock(dir, "k", me("run-2"), Date.now() + 1000, Date.now)).ok).toBe(false);
    expect((await acquireLocalLock(dir, "k", me("run-1"), Date.now() + 1000, Date.now)).ok).toBe(true);
  });

  it("a lock from another host in a shared state dir holds until it expires", async () => {
    const file = lockPath(dir, "k");
    await mkdir(join(dir, "locks"), { recursive: true });
    const other = {
      owner: "run-x",
      host: "elsewhere",
      pid: 1,
      key: "k",
      since: "x",
      expiresAt: Date.now() + 60_000,
    };
    await writeFile(file, JSON.stringify(other));
    expect((await acquireLocalLock(dir, "k", me("run-y"), Date.now() + 1000, Date.now)).ok).toBe(false);
    await writeFile(file, JSON.stringify({ ...other, expiresAt: Date.now() - 1 }));
    expect((await acquireLocalLock(dir, "k", me("run-y"), Date.now() + 1000, Date.now)).ok).toBe(true);
  });
});

/** A tag-like store whose reads and writes take `ms` each, like a remote API. */
function slowStore(state: { value?: string; writes: number }, ms: number): LeaseStore {
  const wait = () => new Promise((r) => setTimeout(r, ms));
  return {
    describe: "ASG g",
    info: { store: "test" },
    async read() {
      await wait();
      return state.value;
    },
    async write(v) {
      await wait();
      state.value = v;
      state.writes++;
    },
    async remove() {
      await wait();
      state.value = undefined;
    },
    close() {},
  };
}

describe("cloud lease", () => {
  const timing = { ttlMs: 60_000, settleMs: 100 };

  it("two runs that pass the check together: the later writer holds, the other is refused", async () => {
    for (let round = 0; round < 10; round++) {
      const state: { value?: string; writes: number } = { writes: 0 };
      const a = createLeaseRegistry({ owner: "run-a" });
      const b = createLeaseRegistry({ owner: "run-b" });
      const [ra, rb] = await Promise.all([
        a.holdCloud("g", async () => slowStore(state, 5 + round), timing, "cleanup"),
        b.holdCloud("g", async () => slowStore(state, 5), timing, "cleanup"),
      ]);
      const winners = [ra, rb].filter((x) => x === undefined);
      expect(winners, `${ra} / ${rb}`).toHaveLength(1);
      expect(decodeLease(state.value)!.owner).toBe(ra === undefined ? "run-a" : "run-b");
      await a.releaseAll();
      await b.releaseAll();
      expect(state.value).toBeUndefined();
    }
  });

  it("a live lease of another run refuses at once; an expired one is taken over", async () => {
    const state: { value?: string; writes: number } = {
      value: `owner=run-z;host=h;pid=7;expires=${new Date(Date.now() + 60_000).toISOString()}`,
      writes: 0,
    };
    const a = createLeaseRegistry({ owner: "run-a" });
    const t0 = Date.now();
    expect(await a.holdCloud("g", async () => slowStore(state, 1), timing, "cleanup")).toMatch(
      /run run-z, host h, pid 7\); its lease expires/,
    );
    expect(Date.now() - t0).toBeLessThan(100);
    expect(state.writes).toBe(0);
    state.value = `owner=run-z;host=h;pid=7;expires=${new Date(Date.now() - 1).toISOString()}`;
    const b = createLeaseRegistry({ owner: "run-b" });
    expect(await b.holdCloud("g", async () => slowStore(state, 1), timing, "cleanup")).toBeUndefined();
    await b.releaseAll();
  });

  it("a run too slow between check and write does not trust its re-read", async () => {
    const state: { value?: string; writes: number } = { writes: 0 };
    const a = createLeaseRegistry({ owner: "run-a" });
    const r = await a.holdCloud(
      "g",
      async () => slowStore(state, 80),
      { ttlMs: 60_000, settleMs: 100 },
      "cleanup",
    );
    expect(r).toMatch(/could not take the lease safely/);
    expect(state.value).toBeUndefined();
  });
});
