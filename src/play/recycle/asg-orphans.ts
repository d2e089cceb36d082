// A replacement this run left in flight whose host is no longer in the inventory: after a crash
// late in a replacement the old instance is gone, so the resumed run has no host to re-attach it
// to — yet it still holds the group's tags and suspended processes. The next asg_recycle task on
// the same group finishes it first (re-attach: never issued again), then does its own.
import type { ModuleContext, PlayServices } from "../modules/types.js";
import type { AsgRecycleOutcome } from "./asg-recycle.js";
import type { AsgInFlight } from "./asg-steps.js";
import "./journal-port.js";

export const ASG_JOURNAL_KIND = "asg-recycle";

export function isAsgInFlight(data: Record<string, unknown>): boolean {
  return (
    typeof data.instanceId === "string" &&
    Array.isArray(data.before) &&
    typeof data.originalDesired === "number"
  );
}

const working = new WeakMap<PlayServices, Set<string>>();

/** Hosts whose asg_recycle task is running now in this process (never finished by another task). */
export function hostsAtWork(services: PlayServices): Set<string> {
  const found = working.get(services);
  if (found) return found;
  const made = new Set<string>();
  working.set(services, made);
  return made;
}

/** Undefined when there was nothing to finish or it finished well; else why this task stops. */
export async function finishOrphans(
  ctx: ModuleContext,
  asgName: string,
  host: string,
  finish: (o: { data: AsgInFlight; issuedAt: string }) => Promise<AsgRecycleOutcome>,
): Promise<string | undefined> {
  const journal = ctx.services.journal;
  if (!journal?.pending || ctx.checkMode) return undefined;
  const busy = hostsAtWork(ctx.services);
  for (const a of journal.pending()) {
    if (a.kind !== ASG_JOURNAL_KIND || a.host === host || busy.has(a.host) || !isAsgInFlight(a.data))
      continue;
    const data = a.data as unknown as AsgInFlight;
    if (data.asgName !== asgName) continue;
    const r = await finish({ data, issuedAt: a.issuedAt });
    await journal.recordDone(a.host, ASG_JOURNAL_KIND, r.ok ? "ok" : "failed");
    if (!r.ok) {
      return `finishing the replacement of ${data.instanceId} (${a.host}) that the interrupted run left in flight failed: ${r.msg}`;
    }
    ctx.display(
      `finished the replacement of ${data.instanceId} (${a.host}) left in flight by the interrupted run: ${r.msg}`,
    );
  }
  return undefined;
}
