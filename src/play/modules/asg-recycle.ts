// asg_recycle: replace one Auto Scaling group instance (launch_first / terminate_first), see
// src/play/recycle/asg-recycle.ts for the rules. Ids default from the host's inventory vars
// (asg_name, ec2_instance_id, ec2_region); credentials and endpoints come from services.env the
// way the inventory's aws source reads them. Resume goes through services.journal.
import { z } from "zod";
import type { AwsApi, AwsApiSettings } from "../../cloud/aws/api.js";
import type { AsgGroup } from "../../cloud/aws/types.js";
import { RollcallError } from "../../errors.js";
import type { Vars } from "../../inventory/model.js";
import { ASG_JOURNAL_KIND, finishOrphans, hostsAtWork, isAsgInFlight } from "../recycle/asg-orphans.js";
import type { AsgInFlight, AsgRecycleOutcome } from "../recycle/asg-recycle.js";
import { DEFAULT_SUSPEND, NEVER_SUSPEND } from "../recycle/asg-suspend.js";
import { checkGuard, type Guard, guardOf, guardParams } from "../recycle/guard-params.js";
import { asgCleanupHint, asgLeaseKey, asgLeaseStore } from "../recycle/lease-asg.js";
import { leasesOf } from "../recycle/lease-services.js";
import { asgPrecheckMembers, checkMembers, precheckRefusal } from "../recycle/precheck.js";
import { bool, list, num, str } from "./params.js";
import type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";
import { sleepUnlessAborted } from "./wait-probes.js";

declare module "./types.js" {
  interface PlayServices {
    /** Builds the AWS client asg_recycle uses (tests inject one; default: createAwsApi). */
    awsApi?: (settings: AwsApiSettings) => Promise<AwsApi>;
  }
}

const JOURNAL_KIND = ASG_JOURNAL_KIND;

const params = z.strictObject({
  asg_name: str().optional(),
  instance_id: str().optional(),
  region: str().optional(),
  strategy: z.enum(["launch_first", "terminate_first", "auto"]).optional(),
  only_if_outdated: bool().optional(),
  /** Seconds for the whole replacement (replacement healthy and old instance gone). */
  wait_timeout: num().optional(),
  /** Seconds for each wait on its own (default: wait_timeout). */
  step_timeout: num().optional(),
  poll_interval: num().optional(),
  /** The cloud's part of health: LifecycleState InService and HealthStatus Healthy. */
  health: z.enum(["InService"]).optional(),
  /** Auto Scaling processes suspended for the duration ([] for none). */
  suspend_processes: list(str()).optional(),
  /** A scale-in protected or Standby instance: replace it, skip it, or wait until it is not. */
  protected: z.enum(["refresh", "ignore", "wait"]).optional(),
  min_healthy_percentage: num().optional(),
  max_healthy_percentage: num().optional(),
  ...guardParams,
});
type Params = z.output<typeof params>;

export const asgRecycleModule: ModuleDef<Params> = {
  name: "asg_recycle",
  params,
  checkMode: "supported",
  check(p) {
    if (p.wait_timeout !== undefined && !(p.wait_timeout > 0)) return "wait_timeout must be > 0 seconds";
    if (p.step_timeout !== undefined && !(p.step_timeout > 0)) return "step_timeout must be > 0 seconds";
    if (p.poll_interval !== undefined && !(p.poll_interval > 0)) return "poll_interval must be > 0 seconds";
    const never = p.suspend_processes?.find((x) => NEVER_SUSPEND.includes(x));
    if (never)
      return `suspend_processes: ${never} cannot be suspended (the recycle needs Auto Scaling to launch, terminate and check health)`;
    const min = p.min_healthy_percentage;
    const max = p.max_healthy_percentage;
    if (min !== undefined && !(min >= 0 && min <= 100)) return "min_healthy_percentage must be 0–100";
    if (max !== undefined && !(max >= 100 && max <= 200)) return "max_healthy_percentage must be 100–200";
    if (min !== undefined && max !== undefined && max - min > 100)
      return "max_healthy_percentage − min_healthy_percentage must be ≤ 100 (as Instance Refresh requires)";
    return checkGuard(p);
  },
  run: (p, ctx) => run(p, ctx),
};

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** us-east-1a → us-east-1 (also Local Zones: us-west-2-lax-1a → us-west-2). */
function regionOfZone(zone: string | undefined): string | undefined {
  return zone?.match(/^([a-z]{2}(?:-gov)?-[a-z]+-\d)/)?.[1];
}

function targetOf(p: Params, vars: Vars, env: Record<string, string | undefined>) {
  return {
    asgName: p.asg_name ?? text(vars.asg_name),
    instanceId: p.instance_id ?? text(vars.ec2_instance_id) ?? text(vars.ec2_id),
    region:
      p.region ??
      text(vars.ec2_region) ??
      regionOfZone(text(vars.ec2_availability_zone) ?? text(vars.ec2_placement)) ??
      text(env.AWS_REGION) ??
      text(env.AWS_DEFAULT_REGION),
  };
}

async function settingsFor(env: Record<string, string | undefined>, region: string): Promise<AwsApiSettings> {
  // The inventory's own rules (endpoint env vars, env keys, AWS_PROFILE, retries, timeouts).
  const { awsApiSettings, awsSourceSchema } = await import("../../inventory/sources/aws.js");
  return awsApiSettings(awsSourceSchema.parse({ type: "aws" }), { env, homeDir: "", note() {} }, region);
}

async function run(p: Params, ctx: ModuleContext): Promise<ModuleResult> {
  const { services } = ctx;
  const host = ctx.host.name;
  const target = targetOf(p, ctx.host.vars, services.env);
  const missing = [
    !target.asgName && "asg_name (no asg_name hostvar)",
    !target.instanceId && "instance_id (no ec2_instance_id hostvar)",
    !target.region && "region (no ec2_region hostvar, no AWS_REGION)",
  ].filter(Boolean);
  if (missing.length > 0)
    return { failed: true, changed: false, msg: `asg_recycle: missing ${missing.join(", ")}` };

  const journal = services.journal;
  const earlier = journal?.inFlight(host, JOURNAL_KIND);
  const inFlight =
    earlier && isAsgInFlight(earlier.data)
      ? { data: earlier.data as unknown as AsgInFlight, issuedAt: earlier.issuedAt }
      : undefined;

  const asgName = inFlight?.data.asgName ?? target.asgName!;
  const instanceId = inFlight?.data.instanceId ?? target.instanceId!;
  const region = target.region!;
  const pollS = p.poll_interval ?? 10;
  const guard = guardOf(p, pollS);
  const makeApi = async () => {
    const settings = await settingsFor(services.env, region);
    return (services.awsApi ?? (await import("../../cloud/aws/api.js")).createAwsApi)(settings);
  };
  let api: AwsApi;
  try {
    api = await makeApi();
  } catch (err) {
    if (err instanceof RollcallError) return { failed: true, changed: false, msg: err.message };
    throw err;
  }
  const atWork = hostsAtWork(services);
  atWork.add(host);
  try {
    const lease = await takeLocalLease(
      ctx,
      guard,
      asgName,
      region,
      api,
      inFlight !== undefined && makeApi,
      makeApi,
    );
    if (lease) return { failed: true, changed: false, msg: lease, asg_name: asgName };
    return await replace(ctx, p, { api, makeApi, guard, asgName, instanceId, region, inFlight });
  } finally {
    atWork.delete(host);
    api.destroy();
  }
}

interface Target {
  api: AwsApi;
  makeApi: () => Promise<AwsApi>;
  guard: Guard;
  asgName: string;
  instanceId: string;
  region: string;
  inFlight?: { data: AsgInFlight; issuedAt: string };
}

/** Finish what an earlier attempt left for another host of this group, then this host's own. */
async function replace(ctx: ModuleContext, p: Params, t: Target): Promise<ModuleResult> {
  const { api, asgName, inFlight } = t;
  const host = ctx.host.name;
  const journal = ctx.services.journal;
  const { recycleAsgInstance } = await import("../recycle/asg-recycle.js");
  const request = requestOf(p, t.guard, p.poll_interval ?? 10, ctx.checkMode);
  const hooksBase = baseHooks(ctx);
  // A replacement this run left in flight for a host that is no longer in the inventory (its
  // old instance is gone) is finished first: it still holds the group's tags and processes.
  const orphan = inFlight
    ? undefined
    : await finishOrphans(ctx, asgName, host, (o) =>
        recycleAsgInstance(
          api,
          { ...request, onlyIfOutdated: false, asgName, instanceId: o.data.instanceId, inFlight: o },
          { ...hooksBase, beforeIssue: async () => {} },
        ),
      );
  if (orphan) return { failed: true, changed: false, msg: orphan, asg_name: asgName };
  let issued = inFlight !== undefined;
  const outcome = await recycleAsgInstance(
    api,
    { ...request, asgName, instanceId: t.instanceId, inFlight },
    {
      ...hooksBase,
      beforeIssue: async (data) => {
        issued = true;
        await journal?.recordIssued(host, JOURNAL_KIND, { ...data });
      },
      beforeAct: (group, check) =>
        guardGroup(ctx, t.guard, group, t.instanceId, t.region, api, t.makeApi, check),
    },
  );
  // Interrupted runs throw past this point and stay in flight, so --resume re-attaches.
  if (issued) await journal?.recordDone(host, JOURNAL_KIND, outcome.ok ? "ok" : "failed");
  if (outcome.changed && !ctx.checkMode) await ctx.services.invalidateInventory?.();
  return resultOf(outcome, asgName);
}

function requestOf(p: Params, guard: Guard, pollS: number, check: boolean) {
  return {
    strategy: p.strategy ?? "auto",
    onlyIfOutdated: p.only_if_outdated ?? true,
    waitTimeoutMs: (p.wait_timeout ?? 900) * 1000,
    ...(p.step_timeout !== undefined && { stepTimeoutMs: p.step_timeout * 1000 }),
    pollIntervalMs: pollS * 1000,
    check,
    health: { ...guard.health, ...(guard.probe && { probe: guard.probe }) },
    suspend: p.suspend_processes ?? DEFAULT_SUSPEND,
    protectedPolicy: p.protected ?? "wait",
    percentages: { min: p.min_healthy_percentage, max: p.max_healthy_percentage },
  } as const;
}

function baseHooks(ctx: ModuleContext) {
  return {
    signal: ctx.signal,
    sleep: sleepUnlessAborted,
    now: ctx.now,
    progress: (message: string, elapsedMs: number, timeoutMs: number) =>
      ctx.progress({ message, elapsedMs, timeoutMs }),
  };
}

function resultOf(outcome: AsgRecycleOutcome, asgName: string): ModuleResult {
  return {
    changed: outcome.changed,
    failed: !outcome.ok,
    msg: outcome.msg,
    asg_name: asgName,
    strategy: outcome.strategy ?? null,
    batch_size: outcome.batchSize ?? null,
    instance: outcome.instance ?? null,
    previous: outcome.previous ?? null,
    // Convenience: `{{ recycled.privateIp }}` as well as `{{ recycled.instance.privateIp }}`.
    privateIp: outcome.instance?.privateIp ?? null,
    elapsed: outcome.elapsed,
  };
}

/**
 * Before anything else: this machine's lock on the group, and a read of the group's lease tag —
 * a run that is refused says so at once, naming the holder, without having changed anything.
 */
async function takeLocalLease(
  ctx: ModuleContext,
  guard: Guard,
  asgName: string,
  region: string,
  api: AwsApi,
  /** Re-attaching: no precheck comes, so take the cloud lease here (this opens its client). */
  reattach: false | (() => Promise<AwsApi>),
  makeApi: () => Promise<AwsApi>,
): Promise<string | undefined> {
  if (ctx.checkMode || !guard.lease) return undefined;
  const leases = leasesOf(ctx.services);
  const key = asgLeaseKey(region, asgName);
  const cleanup = asgCleanupHint(asgName, region);
  const local = await leases.holdLocal(key, `ASG ${asgName}`, cleanup);
  if (local) return local;
  if (leases.lost(key)) return leases.lost(key);
  // The module's client, not closed here (checkCloud never closes the store).
  const seen = await leases.checkCloud(asgLeaseStore(api, asgName), cleanup);
  if (seen.refusal) return seen.refusal;
  // Re-attaching (no precheck comes), or our own earlier attempt's lease: take it now, so it is
  // held while interrupted work is finished and released when this run ends.
  if (reattach || seen.ours) {
    const open = reattach || makeApi;
    return leases.holdCloud(key, async () => asgLeaseStore(await open(), asgName), guard.lease, cleanup);
  }
  return undefined;
}

/** Precheck (read-only, also with --check), then the cloud lease (a write, so not with --check). */
async function guardGroup(
  ctx: ModuleContext,
  guard: Guard,
  group: AsgGroup,
  instanceId: string,
  region: string,
  api: AwsApi,
  makeApi: () => Promise<AwsApi>,
  check: boolean,
): Promise<string | undefined> {
  if (guard.precheck) {
    const members = await asgPrecheckMembers(api, group, instanceId);
    const problems = await checkMembers(members, guard.probe, ctx.signal);
    if (problems) return precheckRefusal(`ASG ${group.name}`, instanceId, problems);
  }
  if (check || !guard.lease) return undefined;
  const leases = leasesOf(ctx.services);
  const key = asgLeaseKey(region, group.name);
  return leases.holdCloud(
    key,
    async () => asgLeaseStore(await makeApi(), group.name),
    guard.lease,
    asgCleanupHint(group.name, region),
  );
}
