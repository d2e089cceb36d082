// spotinst_stateful (alias spotinst_aws_stateful): recycle, pause, resume or deallocate one Spotinst
// stateful instance, safely (../recycle/spotinst-recycle.ts). Parameter names follow the old
// `spotinst_aws_stateful` module so its playbooks keep working; ids default from the host's
// `spotinst_*` hostvars. Every action is journaled before it is issued (keyed by the SSI id, which
// survives the IP change a recycle brings), so `--resume` re-attaches instead of issuing it twice.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { SpotinstApi } from "../../cloud/spotinst/api.js";
import "../recycle/journal-port.js";
import { type TransitionAction, transitionStatefulInstance } from "../recycle/spotinst-actions.js";
import { createSpotinstClientPool, type SpotinstClientPool } from "../recycle/spotinst-client.js";
import {
  type InstanceMark,
  type RecycleHooks,
  type RecycleOutcome,
  recycleStatefulInstance,
} from "../recycle/spotinst-recycle.js";
import { bool, num, str } from "./params.js";
import type { ModuleContext, ModuleDef, ModuleResult, PlayServices } from "./types.js";

const params = z.strictObject({
  state: z.enum(["recycled", "paused", "resumed", "deallocated"]).default("recycled"),
  esg_id: str().optional(),
  stateful_instance_id: str().optional(),
  account_id: str().optional(),
  api_token: str().optional(),
  api_url: str().optional(),
  wait_timeout: num().default(600),
  /** Seconds between polls; default: the var spotinst_poll_interval, else 10. */
  poll_interval: num().optional(),
  require_group_active: bool().default(true),
  /**
   * How long PAUSED may last inside a recycle before it counts as failed. Default: the whole
   * wait_timeout (a recycle is a pause then a resume; snapshots may keep it PAUSED for minutes).
   */
  paused_timeout: num().optional(),
});
type Params = z.output<typeof params>;

const ACTION: Record<Params["state"], "recycle" | TransitionAction> = {
  recycled: "recycle",
  paused: "pause",
  resumed: "resume",
  deallocated: "deallocate",
};

export const spotinstStatefulModule: ModuleDef<Params> = {
  name: "spotinst_stateful",
  aliases: ["spotinst_aws_stateful"],
  params,
  // The old module's README wrote `esg:`; the SDKs say group/ssi.
  paramAliases: { group_id: "esg_id", esg: "esg_id", ssi_id: "stateful_instance_id", token: "api_token" },
  checkMode: "supported",
  check(p) {
    if (!(p.wait_timeout > 0)) return "wait_timeout must be > 0 (seconds)";
    if (p.poll_interval !== undefined && !(p.poll_interval > 0)) return "poll_interval must be > 0 (seconds)";
    if (p.paused_timeout !== undefined && p.paused_timeout < 0) return "paused_timeout must be ≥ 0 (seconds)";
    return undefined;
  },
  run: (p, ctx) => runStateful(p, ctx),
};

async function runStateful(p: Params, ctx: ModuleContext): Promise<ModuleResult> {
  const vars = ctx.host.vars;
  const groupId = p.esg_id ?? stringVar(vars.spotinst_esg_id);
  const ssiId = p.stateful_instance_id ?? stringVar(vars.spotinst_id);
  if (!groupId || !ssiId) {
    const missing = !groupId
      ? "esg_id (or the host var spotinst_esg_id)"
      : "stateful_instance_id (or spotinst_id)";
    return { failed: true, changed: false, msg: `spotinst_stateful: no ${missing} for ${ctx.host.name}` };
  }
  const accountId = p.account_id ?? stringVar(vars.spotinst_accountId);
  // A playbook written for Ansible's module has no poll_interval: inventory or -e can set it.
  const pollInterval = p.poll_interval ?? positiveVar(vars.spotinst_poll_interval) ?? 10;
  const client = await poolOf(ctx.services).client({ token: p.api_token, accountId, apiUrl: p.api_url });
  if (!client.ok) return { failed: true, changed: false, msg: `spotinst_stateful: ${client.msg}` };
  const api = client.api;
  const action = ACTION[p.state];
  const kind = `spotinst-${action}`;
  const journal = ctx.checkMode ? undefined : ctx.services.journal;
  const started = ctx.now();
  const timeoutMs = p.wait_timeout * 1000;
  let issued = false;
  const hooks: RecycleHooks = {
    signal: ctx.signal,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: ctx.now,
    async beforeIssue(previous: InstanceMark) {
      // What a resume needs to re-attach (see spotinst-settle.ts); never the token.
      await journal?.recordIssued(ssiId, kind, {
        host: ctx.host.name,
        groupId,
        ssiId,
        previous,
        ...(accountId && { accountId }),
        ...(p.api_url && { apiUrl: p.api_url }),
        pollIntervalMs: pollInterval * 1000,
        waitTimeoutMs: timeoutMs,
        ...(p.paused_timeout !== undefined && { pausedGraceMs: p.paused_timeout * 1000 }),
      });
      issued = true;
    },
    progress: (message) => ctx.progress({ message, elapsedMs: ctx.now() - started, timeoutMs }),
  };
  const flight = journal?.inFlight(ssiId, kind);
  const inFlight = flight && reattachable(flight.data.previous, flight.issuedAt);
  const common = {
    groupId,
    ssiId,
    requireGroupActive: p.require_group_active,
    waitTimeoutMs: timeoutMs,
    pollIntervalMs: pollInterval * 1000,
    check: ctx.checkMode,
    ...(inFlight && { inFlight }),
  };
  const warnings = p.state === "recycled" ? await rootVolumeWarnings(api, groupId) : [];
  for (const w of warnings) ctx.display(`[WARNING]: ${w}`);
  let outcome: RecycleOutcome;
  try {
    outcome =
      action === "recycle"
        ? await recycleStatefulInstance(
            api,
            {
              ...common,
              ...(p.paused_timeout !== undefined && { pausedGraceMs: p.paused_timeout * 1000 }),
              // Only a resumed run can meet its own earlier recycle (see journal-port.ts).
              ...(journal?.resuming && { runStartedAt: journal.runStartedAt }),
            },
            hooks,
          )
        : await transitionStatefulInstance(api, { ...common, action }, hooks);
  } catch (err) {
    // Interrupted (Ctrl-C, task timeout) or the API failed past every retry. An issued action is
    // left open in the journal on purpose: the cloud keeps going, and --resume re-attaches to it.
    const msg = ctx.signal.aborted ? "interrupted" : `spotinst_stateful: ${(err as Error).message}`;
    return {
      failed: true,
      changed: issued || inFlight !== undefined,
      msg,
      elapsed: secondsSince(ctx, started),
    };
  }
  if (issued || inFlight) await journal?.recordDone(ssiId, kind, outcome.ok ? "ok" : "failed");
  if (outcome.ok && outcome.changed && !ctx.checkMode) await ctx.services.invalidateInventory?.();
  return toResult(outcome, warnings);
}

function toResult(o: RecycleOutcome, warnings: string[]): ModuleResult {
  const base: ModuleResult = {
    changed: o.ok ? o.changed : false,
    msg: o.msg,
    elapsed: o.elapsed,
    ...(o.stateful && { stateful: o.stateful }),
    ...(o.previous && { previous: o.previous }),
    ...(warnings.length > 0 && { warnings }),
  };
  return o.ok ? base : { ...base, failed: true };
}

/** spotinst-api.md §0.5: with root persistence the new instance boots the old root volume. */
async function rootVolumeWarnings(api: SpotinstApi, groupId: string): Promise<string[]> {
  try {
    const group = await api.getGroup(groupId);
    if (group.strategy?.persistence?.shouldPersistRootDevice !== true) return [];
    return [
      `group ${groupId} persists its root volume: a recycle does not apply a new image ` +
        "(turn root persistence off, update the image, recycle, turn it back on)",
    ];
  } catch {
    // Only a warning: the recycle itself re-reads the instances and fails on its own if it must.
    return [];
  }
}

function reattachable(previous: unknown, issuedAt: string) {
  if (!previous || typeof previous !== "object") return undefined;
  const p = previous as Record<string, unknown>;
  const mark: InstanceMark = {
    instanceId: typeof p.instanceId === "string" ? p.instanceId : null,
    launchedAt: typeof p.launchedAt === "string" ? p.launchedAt : null,
    privateIp: typeof p.privateIp === "string" ? p.privateIp : null,
  };
  return { previous: mark, issuedAt };
}

const fallbackPools = new WeakMap<PlayServices, SpotinstClientPool>();

/** The session's shared pool; without one (tests, embedding), one pool per services object. */
function poolOf(services: PlayServices): SpotinstClientPool {
  if (services.spotinst) return services.spotinst;
  let pool = fallbackPools.get(services);
  if (!pool) {
    pool = createSpotinstClientPool({ env: services.env, homeDir: services.env.HOME ?? services.cwd });
    fallbackPools.set(services, pool);
  }
  return pool;
}

function positiveVar(v: unknown): number | undefined {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && n > 0 ? n : undefined;
}

function stringVar(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function secondsSince(ctx: ModuleContext, started: number): number {
  return Math.round((ctx.now() - started) / 1000);
}
