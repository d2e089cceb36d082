// One run per group at a time. Before a recycle module touches a group, the run takes a lease on
// it that other runs respect: a lock file in the state dir (runs on one machine, lease-local.ts)
// and, where the cloud has a place for it, a cloud-side record (an ASG tag, lease-asg.ts) for
// runs on other machines. A lease names its owner — the logical run's id from the journal, so
// `--resume` of the holder takes its own lease back — and expires unless renewed while the run
// lives. The CLI makes one registry per run and releases everything when the run ends; a crashed
// run's lease simply expires.
//
// The cloud write is check-then-write-then-re-read: read; refuse a live lease of another owner;
// write ours; wait `settleMs`; read again, and refuse if someone else's write landed after ours.
// Two runs that both pass the check in the same second therefore see each other, and only the
// last writer proceeds. Auto Scaling has no conditional write, so this relies on each run getting
// from its read to its write in less than `settleMs` (a slower round is repeated, and after three
// the run refuses itself) and on a written tag being visible to every reader within `settleMs`.
import { hostname } from "node:os";
import { pid as processId } from "node:process";
import type { ActionJournal } from "./journal-port.js";
import { acquireLocalLock, releaseLocalLock, renewLocalLock } from "./lease-local.js";
import { decodeLease, encodeLease, leaseRefusal } from "./lease-record.js";

export { decodeLease, encodeLease, type LeaseRecord, leaseRefusal } from "./lease-record.js";

declare module "../modules/types.js" {
  interface PlayServices {
    /** The run's leases (the CLI makes one per run and releases it at the end). */
    leases?: LeaseRegistry;
  }
}

export interface LeaseOwner {
  /** The logical run's id (journal), or a random one for a run without a journal. */
  id: string;
  host: string;
  pid: number;
}

/** A cloud-side place for one lease record (a tag value, a key). */
export interface LeaseStore {
  /** "ASG kafka-asg-prod", for messages. */
  describe: string;
  read(): Promise<string | undefined>;
  write(value: string): Promise<void>;
  remove(): Promise<void>;
  /** Close the store's own client. */
  close(): void;
  /** Enough to open the store again on --resume (journaled; never a secret). */
  info: Record<string, string>;
}

/** Journal kind of a cloud lease: recorded before it is written, done once it is removed. */
export const LEASE_KIND = "lease";

export interface LeaseTiming {
  ttlMs: number;
  settleMs: number;
}

export const DEFAULT_LEASE: LeaseTiming = { ttlMs: 300_000, settleMs: 2_000 };

export interface LeaseRegistry {
  readonly owner: LeaseOwner;
  /** Take (or confirm) the local lock for a group: undefined when held, else the refusal. */
  holdLocal(key: string, what: string, cleanup: string): Promise<string | undefined>;
  /**
   * Read-only: the refusal when another run holds the cloud lease; `ours` when the record names
   * this run (an earlier attempt of it left it: take it back with holdCloud so it is released).
   */
  checkCloud(store: LeaseStore, cleanup: string): Promise<{ refusal?: string; ours: boolean }>;
  /** Take (or confirm) the cloud lease; the registry keeps `open()`'s store until release. */
  holdCloud(
    key: string,
    open: () => Promise<LeaseStore>,
    timing: LeaseTiming,
    cleanup: string,
  ): Promise<string | undefined>;
  /** Set when a renewal found another owner in our place. */
  lost(key: string): string | undefined;
  /**
   * --resume: take back the cloud leases the interrupted attempt held (from its journal), so they
   * are released when this run ends even if no task touches their group again.
   */
  adopt(): Promise<void>;
  releaseAll(): Promise<void>;
}

export interface RegistryOptions {
  owner?: string;
  /** Cloud leases are journaled, so a resume can take back and release what a crash left. */
  journal?: ActionJournal;
  /** Open a store again from its journaled `info` (for adopt). */
  reopen?: (info: Record<string, string>) => Promise<LeaseStore | undefined>;
  /** Local locks live in `${stateDir}/locks`; without it there are none. */
  stateDir?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Held {
  store?: LeaseStore;
  timing: LeaseTiming;
  local?: string;
  lost?: string;
}

export function createLeaseRegistry(o: RegistryOptions = {}): LeaseRegistry {
  return new Registry(o);
}

class Registry implements LeaseRegistry {
  readonly owner: LeaseOwner;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly held = new Map<string, Held>();
  /** One acquisition per key at a time: concurrent tasks of one run share the result. */
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(private readonly o: RegistryOptions) {
    this.owner = { id: o.owner ?? crypto.randomUUID(), host: hostname(), pid: processId };
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  }

  private once(key: string, fn: () => Promise<string | undefined>): Promise<string | undefined> {
    const found = this.pending.get(key);
    if (found) return found;
    const p = fn().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private startRenewals(ttlMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        this.renewing ??= renewHeld(this.held, this.owner, this.o.stateDir, this.now).finally(() => {
          this.renewing = undefined;
        });
      },
      Math.max(1_000, Math.floor(ttlMs / 3)),
    );
    this.timer.unref();
  }

  holdLocal(key: string, what: string, cleanup: string): Promise<string | undefined> {
    const stateDir = this.o.stateDir;
    if (!stateDir) return Promise.resolve(undefined);
    return this.once(`local:${key}`, async () => {
      const h = this.held.get(key);
      if (h?.local) return h.lost;
      const timing = h?.timing ?? DEFAULT_LEASE;
      const r = await acquireLocalLock(stateDir, key, this.owner, this.now() + timing.ttlMs, this.now);
      if (!r.ok) return leaseRefusal(what, r.holder, cleanup);
      this.held.set(key, { ...(h ?? { timing }), local: key });
      this.startRenewals(timing.ttlMs);
      return undefined;
    });
  }

  async checkCloud(store: LeaseStore, cleanup: string): Promise<{ refusal?: string; ours: boolean }> {
    const cur = decodeLease(await store.read());
    if (cur && cur.owner !== this.owner.id && cur.expiresAt > this.now())
      return { refusal: leaseRefusal(store.describe, cur, cleanup), ours: false };
    return { ours: cur?.owner === this.owner.id };
  }

  holdCloud(
    key: string,
    open: () => Promise<LeaseStore>,
    timing: LeaseTiming,
    cleanup: string,
  ): Promise<string | undefined> {
    return this.once(`cloud:${key}`, async () => {
      const h = this.held.get(key);
      if (h?.store) return h.lost;
      const store = await open();
      const mark = `lease:${key}`;
      const info = { ...store.info, ttlMs: String(timing.ttlMs), settleMs: String(timing.settleMs) };
      await this.o.journal?.recordIssued(mark, LEASE_KIND, { key, ...info });
      const refusal = await acquireCloud(store, this.owner, timing, cleanup, this.now, this.sleep);
      if (refusal) {
        await this.o.journal?.recordDone(mark, LEASE_KIND, "failed");
        store.close();
        return refusal;
      }
      this.held.set(key, { ...(h ?? {}), store, timing });
      this.startRenewals(timing.ttlMs);
      return undefined;
    });
  }

  lost(key: string): string | undefined {
    return this.held.get(key)?.lost;
  }

  async adopt(): Promise<void> {
    const reopen = this.o.reopen;
    if (!reopen) return;
    for (const a of this.o.journal?.pending?.() ?? []) {
      if (a.kind !== LEASE_KIND) continue;
      const info = Object.fromEntries(Object.entries(a.data).map(([k, v]) => [k, String(v)]));
      const store = await reopen(info).catch(() => undefined);
      if (!store) continue;
      const timing = {
        ttlMs: Number(info.ttlMs) || DEFAULT_LEASE.ttlMs,
        settleMs: Number(info.settleMs) || 0,
      };
      // Ours by run id: this takes it back (or finds it taken by someone else after expiry).
      await this.holdCloud(String(info.key), async () => store, timing, "rollcall recycle-cleanup");
    }
  }

  async releaseAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    await releaseHeld(this.held, this.owner, this.o);
    this.held.clear();
  }
}

async function renewHeld(
  held: Map<string, Held>,
  owner: LeaseOwner,
  stateDir: string | undefined,
  now: () => number,
): Promise<void> {
  for (const h of held.values()) {
    if (h.lost) continue;
    if (h.local && stateDir)
      await renewLocalLock(stateDir, h.local, owner, now() + h.timing.ttlMs).catch(() => {});
    if (!h.store) continue;
    try {
      const cur = decodeLease(await h.store.read());
      if (cur && cur.owner !== owner.id) {
        h.lost = `lost the lease on ${h.store.describe} to run ${cur.owner} (host ${cur.host}, pid ${cur.pid}); stopping`;
        continue;
      }
      await h.store.write(encodeLease(owner, now() + h.timing.ttlMs));
    } catch {
      // A failed renewal is retried next round; the lease is valid until it expires.
    }
  }
}

async function releaseHeld(held: Map<string, Held>, owner: LeaseOwner, o: RegistryOptions): Promise<void> {
  for (const [key, h] of held) {
    if (h.store) {
      try {
        const cur = decodeLease(await h.store.read());
        if (cur?.owner === owner.id) await h.store.remove();
        await o.journal?.recordDone(`lease:${key}`, LEASE_KIND, "ok");
      } catch {
        // It expires on its own.
      }
      h.store.close();
    }
    if (h.local && o.stateDir) await releaseLocalLock(o.stateDir, h.local, owner).catch(() => {});
  }
}

async function acquireCloud(
  store: LeaseStore,
  owner: LeaseOwner,
  timing: LeaseTiming,
  cleanup: string,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
): Promise<string | undefined> {
  let gap = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = now();
    const cur = decodeLease(await store.read());
    if (cur && cur.owner !== owner.id && cur.expiresAt > now())
      return leaseRefusal(store.describe, cur, cleanup);
    await store.write(encodeLease(owner, now() + timing.ttlMs));
    gap = now() - t0;
    await sleep(timing.settleMs);
    const back = decodeLease(await store.read());
    if (back && back.owner !== owner.id) return leaseRefusal(store.describe, back, cleanup);
    // Another run that passed its check after our read wrote before our re-read, unless we took
    // longer than the settle time from check to write: then look again.
    if (gap < timing.settleMs) return undefined;
  }
  const back = decodeLease(await store.read());
  if (back?.owner === owner.id) await store.remove();
  return `${store.describe}: could not take the lease safely (${gap} ms between check and write, more than the ${timing.settleMs} ms settle time); try again or raise lease.settle`;
}
