// Before a member is taken out, the rest of the group must be healthy: a cluster that is already
// one short must not lose another (the quorum rule Instance Refresh does not have, see
// rolling-recycle.md §1.4). "Healthy" = the cloud says so (InService+Healthy / ACTIVE) and, when
// the play gives probes, every other member answers them. Read-only: nothing is changed here.
import type { AwsApi } from "../../cloud/aws/api.js";
import type { AsgGroup } from "../../cloud/aws/types.js";
import type { StatefulInstance } from "../../cloud/spotinst/types.js";
import { hasProbes, type ProbeSpec, probeAddress } from "./probe.js";

export interface PrecheckMember {
  id: string;
  ip: string | null;
  /** Why the cloud says it is not up, or undefined. */
  down?: string;
}

/** "i-2 (127.0.0.5): port 9092 closed; i-3 is Pending" — or undefined when all are healthy. */
export async function checkMembers(
  members: readonly PrecheckMember[],
  probe: ProbeSpec | undefined,
  signal: AbortSignal,
): Promise<string | undefined> {
  const problems = await Promise.all(
    members.map(async (m) => {
      if (m.down) return `${m.id} is ${m.down}`;
      if (!hasProbes(probe)) return undefined;
      if (!m.ip) return `${m.id} has no private IP to probe`;
      const why = await probeAddress(m.ip, probe, signal);
      return why ? `${m.id} (${m.ip}): ${why}` : undefined;
    }),
  );
  const found = problems.filter((p): p is string => p !== undefined);
  return found.length > 0 ? found.join("; ") : undefined;
}

/** Every member but `targetId`, as the precheck sees it. */
export async function asgPrecheckMembers(
  api: AwsApi,
  group: AsgGroup,
  targetId: string,
): Promise<PrecheckMember[]> {
  const others = group.instances.filter((m) => m.instanceId !== targetId);
  const ec2 =
    others.length > 0
      ? await api.describeInstances(
          others.map((m) => m.instanceId),
          { ignoreMissing: true },
        )
      : [];
  const ips = new Map(ec2.map((i) => [i.instanceId, i.privateIpAddress ?? null]));
  return others.map((m) => ({
    id: m.instanceId,
    ip: ips.get(m.instanceId) ?? null,
    ...(!(m.lifecycleState === "InService" && m.healthStatus === "Healthy") && {
      down: m.lifecycleState === "InService" ? m.healthStatus : m.lifecycleState,
    }),
  }));
}

export function spotinstPrecheckMembers(
  all: readonly StatefulInstance[],
  targetId: string,
): PrecheckMember[] {
  return all
    .filter((s) => s.id !== targetId)
    .map((s) => ({
      id: s.id,
      ip: s.privateIp ?? null,
      ...(s.state !== "ACTIVE" && { down: s.state }),
    }));
}

/** The one-line refusal a task fails with. */
export function precheckRefusal(group: string, target: string, problems: string): string {
  return `precheck: group ${group} is not healthy, refusing to take ${target} out (${problems}); nothing was changed`;
}
