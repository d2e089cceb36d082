// asg_recycle: replace one Auto Scaling group instance (launch_first / terminate_first), see
// src/play/recycle/asg-recycle.ts for the rules. Ids default from the host's inventory vars
// (asg_name, ec2_instance_id, ec2_region); credentials and endpoints come from services.env the
// way the inventory's aws source reads them. Resume goes through services.journal.
import { z } from "zod";
import type { AwsApi, AwsApiSettings } from "../../cloud/aws/api.js";
import { RollcallError } from "../../errors.js";
import type { Vars } from "../../inventory/model.js";
import type { AsgInFlight } from "../recycle/asg-recycle.js";
import { bool, num, str } from "./params.js";
import type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";
import { sleepUnlessAborted } from "./wait-probes.js";

declare module "./types.js" {
  interface PlayServices {
    /** Builds the AWS client asg_recycle uses (tests inject one; default: createAwsApi). */
    awsApi?: (settings: AwsApiSettings) => Promise<AwsApi>;
  }
}

const JOURNAL_KIND = "asg-recycle";

const params = z.strictObject({
  asg_name: str().optional(),
  instance_id: str().optional(),
  region: str().optional(),
  strategy: z.enum(["launch_first", "terminate_first", "auto"]).optional(),
  only_if_outdated: bool().optional(),
  wait_timeout: num().optional(),
  poll_interval: num().optional(),
  /** The only health rule so far: LifecycleState InService and HealthStatus Healthy. */
  health: z.enum(["InService"]).optional(),
});
type Params = z.output<typeof params>;

export const asgRecycleModule: ModuleDef<Params> = {
  name: "asg_recycle",
  params,
  checkMode: "supported",
  check(p) {
    if (p.wait_timeout !== undefined && !(p.wait_timeout > 0)) return "wait_timeout must be > 0 seconds";
    if (p.poll_interval !== undefined && !(p.poll_interval > 0)) return "poll_interval must be > 0 seconds";
    return undefined;
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

function isInFlight(data: Record<string, unknown>): boolean {
  return (
    typeof data.instanceId === "string" &&
    Array.isArray(data.before) &&
    typeof data.originalDesired === "number"
  );
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
    earlier && isInFlight(earlier.data)
      ? { data: earlier.data as unknown as AsgInFlight, issuedAt: earlier.issuedAt }
      : undefined;
  let issued = inFlight !== undefined;

  let api: AwsApi;
  try {
    const settings = await settingsFor(services.env, target.region!);
    api = await (services.awsApi ?? (await import("../../cloud/aws/api.js")).createAwsApi)(settings);
  } catch (err) {
    if (err instanceof RollcallError) return { failed: true, changed: false, msg: err.message };
    throw err;
  }
  try {
    const { recycleAsgInstance } = await import("../recycle/asg-recycle.js");
    const outcome = await recycleAsgInstance(
      api,
      {
        asgName: inFlight?.data.asgName ?? target.asgName!,
        instanceId: inFlight?.data.instanceId ?? target.instanceId!,
        strategy: p.strategy ?? "auto",
        onlyIfOutdated: p.only_if_outdated ?? true,
        waitTimeoutMs: (p.wait_timeout ?? 900) * 1000,
        pollIntervalMs: (p.poll_interval ?? 10) * 1000,
        check: ctx.checkMode,
        inFlight,
      },
      {
        signal: ctx.signal,
        sleep: sleepUnlessAborted,
        now: ctx.now,
        progress: (message, elapsedMs, timeoutMs) => ctx.progress({ message, elapsedMs, timeoutMs }),
        beforeIssue: async (data) => {
          issued = true;
          await journal?.recordIssued(host, JOURNAL_KIND, { ...data });
        },
      },
    );
    // Interrupted runs throw past this point and stay in flight, so --resume re-attaches.
    if (issued) await journal?.recordDone(host, JOURNAL_KIND, outcome.ok ? "ok" : "failed");
    if (outcome.changed && !ctx.checkMode) await services.invalidateInventory?.();
    return {
      changed: outcome.changed,
      failed: !outcome.ok,
      msg: outcome.msg,
      asg_name: inFlight?.data.asgName ?? target.asgName,
      strategy: outcome.strategy ?? null,
      instance: outcome.instance ?? null,
      previous: outcome.previous ?? null,
      // Convenience: `{{ recycled.privateIp }}` as well as `{{ recycled.instance.privateIp }}`.
      privateIp: outcome.instance?.privateIp ?? null,
      elapsed: outcome.elapsed,
    };
  } finally {
    api.destroy();
  }
}
