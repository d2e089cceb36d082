// --resume, before the inventory is loaded: wait for the Spotinst actions the interrupted run left
// in flight. A stateful instance in the middle of a recycle has no address and is not ACTIVE, so a
// fresh inventory would leave it out and the resumed play would never wait for its port — and
// could take the next instance out while this one is still booting. Once settled, the instance is
// back in the inventory, and the module re-attaches (journal still open) and sees it done.
import { setTimeout as sleep } from "node:timers/promises";
import type { JournalAction } from "./journal-port.js";
import { transitionStatefulInstance } from "./spotinst-actions.js";
import type { SpotinstClientPool } from "./spotinst-client.js";
import { type InstanceMark, type RecycleHooks, recycleStatefulInstance } from "./spotinst-recycle.js";

export interface SettleOptions {
  signal: AbortSignal;
  /** One line per action: what is waited for and how it ended. */
  note: (message: string) => void;
}

const SETTLED_KINDS = new Set(["spotinst-recycle", "spotinst-resume"]);

export async function settleSpotinstInFlight(
  pending: readonly JournalAction[],
  pool: SpotinstClientPool,
  o: SettleOptions,
): Promise<void> {
  await Promise.all(pending.filter((a) => SETTLED_KINDS.has(a.kind)).map((a) => settleOne(a, pool, o)));
}

async function settleOne(a: JournalAction, pool: SpotinstClientPool, o: SettleOptions): Promise<void> {
  const d = a.data;
  const groupId = str(d.groupId);
  const ssiId = str(d.ssiId);
  if (!groupId || !ssiId) return;
  const client = await pool.client({ accountId: str(d.accountId), apiUrl: str(d.apiUrl) });
  if (!client.ok) return o.note(`cannot check ${ssiId} left in flight: ${client.msg}`);
  const action = a.kind === "spotinst-recycle" ? "recycle" : "resume";
  o.note(
    `waiting for the ${action} of ${ssiId} (${str(d.host) ?? "?"}) issued at ${a.issuedAt} by the interrupted run`,
  );
  const hooks: RecycleHooks = {
    signal: o.signal,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: Date.now,
    beforeIssue: () => Promise.reject(new Error("settling never issues an action")),
    progress: () => {},
  };
  const common = {
    groupId,
    ssiId,
    requireGroupActive: false,
    waitTimeoutMs: num(d.waitTimeoutMs) ?? 600_000,
    pollIntervalMs: num(d.pollIntervalMs) ?? 10_000,
    check: false,
    inFlight: { previous: markOf(d.previous), issuedAt: a.issuedAt },
  };
  try {
    const r =
      action === "recycle"
        ? await recycleStatefulInstance(
            client.api,
            // Only a run that set paused_timeout journaled one; otherwise PAUSED may last the whole wait.
            { ...common, ...(num(d.pausedGraceMs) !== undefined && { pausedGraceMs: num(d.pausedGraceMs) }) },
            hooks,
          )
        : await transitionStatefulInstance(client.api, { ...common, action: "resume" }, hooks);
    o.note(`${ssiId}: ${r.msg}`);
  } catch (err) {
    if (!o.signal.aborted) o.note(`${ssiId}: ${(err as Error).message}`);
  }
}

function markOf(v: unknown): InstanceMark {
  const p = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
  return {
    instanceId: str(p.instanceId) ?? null,
    launchedAt: str(p.launchedAt) ?? null,
    privateIp: str(p.privateIp) ?? null,
  };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
