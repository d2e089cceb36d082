// spotinst_stateful's guards around the core recycle (spotinst-recycle.ts): the run's local lock
// on the group, the group precheck (no foreign action under way, every other instance ACTIVE and
// answering the probes) and, after the recycle, the health policy for the new instance.
import type { SpotinstApi } from "../../cloud/spotinst/api.js";
import type { ModuleContext } from "../modules/types.js";
import { awaitStableHealth, isTrivial } from "./bake.js";
import type { Guard } from "./guard-params.js";
import { leasesOf } from "./lease-services.js";
import { checkMembers, precheckRefusal, spotinstPrecheckMembers } from "./precheck.js";
import { hasProbes, probeAddress } from "./probe.js";
import { foreignBusy } from "./spotinst-lease.js";

/** Group ids (sig-…) are unique across accounts. */
export const spotinstLeaseKey = (groupId: string) => `spotinst:${groupId}`;

export const spotinstCleanupHint = (groupId: string) =>
  `\`rollcall recycle-cleanup --spotinst-group ${groupId}\``;

/** The refusal before anything changes, or undefined to go on. */
export async function guardSpotinstGroup(
  ctx: ModuleContext,
  api: SpotinstApi,
  guard: Guard,
  o: {
    groupId: string;
    ssiId: string;
    accountId?: string;
    isOurs: (id: string) => boolean;
    precheck: boolean;
  },
): Promise<string | undefined> {
  if (!ctx.checkMode && guard.lease) {
    const key = spotinstLeaseKey(o.groupId);
    const refusal = await leasesOf(ctx.services).holdLocal(
      key,
      `Spotinst group ${o.groupId}`,
      spotinstCleanupHint(o.groupId),
    );
    if (refusal) return refusal;
  }
  if (!o.precheck) return undefined;
  const all = await api.listStatefulInstances(o.groupId);
  const foreign = foreignBusy(all, o.ssiId, o.isOurs);
  if (foreign) return `group ${o.groupId}: ${foreign}`;
  if (!guard.precheck) return undefined;
  const problems = await checkMembers(spotinstPrecheckMembers(all, o.ssiId), guard.probe, ctx.signal);
  return problems ? precheckRefusal(`Spotinst group ${o.groupId}`, o.ssiId, problems) : undefined;
}

/**
 * After a recycle: the new instance must stay ACTIVE on the same instance id and answer the
 * probes for `healthy_checks` consecutive checks, then for `bake` seconds. Undefined when it did.
 */
export async function bakeStateful(
  ctx: ModuleContext,
  api: SpotinstApi,
  guard: Guard,
  o: { groupId: string; ssiId: string; instanceId: string; deadline: number },
): Promise<string | undefined> {
  const probe = guard.probe;
  if (isTrivial(guard.health, hasProbes(probe))) return undefined;
  const check = async (): Promise<string | undefined> => {
    const all = await api.listStatefulInstances(o.groupId).catch((err: Error) => err);
    if (all instanceof Error) return `group not readable (${all.message})`;
    const ssi = all.find((s) => s.id === o.ssiId);
    if (ssi?.state !== "ACTIVE" || ssi.instanceId !== o.instanceId)
      return `${o.ssiId} is ${ssi ? `${ssi.state} on ${ssi.instanceId ?? "no instance"}` : "gone"}`;
    if (!hasProbes(probe)) return undefined;
    if (!ssi.privateIp) return `${o.ssiId} has no private IP`;
    return probeAddress(ssi.privateIp, probe, ctx.signal);
  };
  const started = ctx.now();
  const r = await awaitStableHealth(o.ssiId, guard.health, check, o.deadline, {
    signal: ctx.signal,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      }),
    now: ctx.now,
    progress: (message) =>
      ctx.progress({ message, elapsedMs: ctx.now() - started, timeoutMs: o.deadline - started }),
  });
  return r.ok
    ? undefined
    : `${o.ssiId} was recycled but did not pass its health policy within wait_timeout (${r.status})`;
}
