// Keep Auto Scaling from acting behind the recycle's back: AZRebalance would terminate members to
// even out zones, ReplaceUnhealthy would replace a member the recycle is counting, and
// AlarmNotification / ScheduledActions would move desired capacity mid-surge. Only the processes
// that were not already suspended are suspended, their list goes into a tag *first* (so a crash
// can never leave a suspension nobody knows about), and exactly those are resumed afterwards.
import { SUSPENDED_TAG, tagValue } from "./asg-group.js";
import { type RunState, readGroup } from "./asg-steps.js";

/** The default: what senza's respawn suspends, plus ReplaceUnhealthy (rolling-recycle.md §2.4, §2.8). */
export const DEFAULT_SUSPEND = ["AZRebalance", "ReplaceUnhealthy", "AlarmNotification", "ScheduledActions"];

/** Processes a recycle must never suspend: it needs Auto Scaling to launch and terminate for it. */
export const NEVER_SUSPEND = ["Launch", "Terminate", "HealthCheck"];

/** What this recycle suspends: the wanted ones that are not suspended already. */
export function toSuspend(
  wanted: readonly string[],
  alreadySuspended: readonly string[] | undefined,
): string[] {
  const already = new Set(alreadySuspended ?? []);
  return [...new Set(wanted)].filter((p) => !already.has(p));
}

export const encodeProcesses = (list: readonly string[]) => list.join(",");

export function decodeProcesses(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => /^[A-Za-z]+$/.test(p));
}

/** Tag, then suspend. Idempotent: a resume runs it again before finishing. */
export async function suspendFor(run: RunState, processes: readonly string[]): Promise<void> {
  if (processes.length === 0) return;
  await run.api.createOrUpdateTags(run.asgName, [{ key: SUSPENDED_TAG, value: encodeProcesses(processes) }]);
  await run.api.suspendProcesses(run.asgName, [...processes]);
  run.phase = `${run.phase}; processes ${processes.join(", ")} suspended (tag ${SUSPENDED_TAG})`;
}

/** Resume exactly the processes this recycle suspended (the tag's list, else the journal's). */
export async function resumeFor(run: RunState, fromJournal: readonly string[]): Promise<void> {
  const g = await readGroup(run);
  const tagged = decodeProcesses(tagValue(g, SUSPENDED_TAG));
  const list = [...new Set([...fromJournal, ...tagged])];
  if (list.length > 0) await run.api.resumeProcesses(run.asgName, list);
}
