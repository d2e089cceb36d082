// The parts of a spotinst_stateful task around the core action (src/play/modules/spotinst-stateful.ts
// runs them): the journal hooks (recorded before the request, again once Spotinst accepted it),
// the health policy and conflict verdict after a recycle, and what this process remembers per run.
import { setTimeout as sleep } from "node:timers/promises";
import type { SpotinstApi } from "../../cloud/spotinst/api.js";
import type { ModuleContext, PlayServices } from "../modules/types.js";
import type { Guard } from "./guard-params.js";
import { bakeStateful } from "./spotinst-guard.js";
import type { createConflictWatch } from "./spotinst-lease.js";
import type { InstanceMark, RecycleHooks, RecycleOutcome } from "./spotinst-recycle.js";
import "./journal-port.js";

/** The journal side of an action: recorded before the request, again once Spotinst accepted it. */
export function recycleHooks(
  ctx: ModuleContext,
  p: { api_url?: string; paused_timeout?: number },
  o: {
    groupId: string;
    ssiId: string;
    accountId?: string;
    kind: string;
    started: number;
    timeoutMs: number;
    pollInterval: number;
  },
  mine: Set<string>,
) {
  const journal = ctx.checkMode ? undefined : ctx.services.journal;
  let record: Record<string, unknown> | undefined;
  let written = false;
  const hooks: RecycleHooks = {
    signal: ctx.signal,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: ctx.now,
    async beforeIssue(previous: InstanceMark) {
      // What a resume needs to re-attach (see spotinst-settle.ts); never the token.
      mine.add(o.ssiId);
      record = {
        host: ctx.host.name,
        groupId: o.groupId,
        ssiId: o.ssiId,
        previous,
        ...(o.accountId && { accountId: o.accountId }),
        ...(p.api_url && { apiUrl: p.api_url }),
        pollIntervalMs: o.pollInterval * 1000,
        waitTimeoutMs: o.timeoutMs,
        ...(p.paused_timeout !== undefined && { pausedGraceMs: p.paused_timeout * 1000 }),
        issuedAt: new Date(ctx.now()).toISOString(),
      };
      await journal?.recordIssued(o.ssiId, o.kind, record);
      written = true;
    },
    async afterIssue() {
      // Accepted: a re-attach after a crash from here on only waits, it never issues again.
      if (record) await journal?.recordIssued(o.ssiId, o.kind, { ...record, accepted: true });
    },
    progress: (message) =>
      ctx.progress({ message, elapsedMs: ctx.now() - o.started, timeoutMs: o.timeoutMs }),
  };
  return { hooks, issued: () => written };
}

/** The health policy, then whether this run goes on after seeing another act on the group. */
export async function afterRecycle(
  ctx: ModuleContext,
  api: SpotinstApi,
  guard: Guard,
  outcome: Extract<RecycleOutcome, { ok: true }>,
  o: { groupId: string; ssiId: string; deadline: number; watch: ReturnType<typeof createConflictWatch> },
): Promise<RecycleOutcome> {
  const instanceId = outcome.stateful.instanceId;
  const unhealthy = instanceId
    ? await bakeStateful(ctx, api, guard, {
        groupId: o.groupId,
        ssiId: o.ssiId,
        instanceId,
        deadline: o.deadline,
      })
    : undefined;
  const stop = unhealthy ?? o.watch.verdict();
  // changed stays true in the message: the recycle did happen.
  return stop ? { ...outcome, ok: false, msg: `${outcome.msg}; ${stop}` } : outcome;
}

const issuedSets = new WeakMap<PlayServices, Set<string>>();
const conflictSets = new WeakMap<PlayServices, Set<string>>();

function setFor(map: WeakMap<PlayServices, Set<string>>, services: PlayServices): Set<string> {
  const found = map.get(services);
  if (found) return found;
  const made = new Set<string>();
  map.set(services, made);
  return made;
}

/** Instances this process issued an action for (journal or not). */
export const issuedHere = (services: PlayServices) => setFor(issuedSets, services);
/** Groups on which this run saw another one act. */
export const conflicted = (services: PlayServices) => setFor(conflictSets, services);
