// Clean up after a recycle run that was abandoned (killed and never resumed): what
// `rollcall recycle-cleanup` does. It puts back what is safe to put back without knowing which
// run left it — suspended processes (exactly the tag's list), a raised max size, the lease and
// the local lock — and says what it leaves for a human: a surge whose extra instance only the
// journal of that run could name. Every step re-reads the group first. `check`: report only.
import type { AwsApi } from "../../cloud/aws/api.js";
import { numberTag, ORIGINAL_DESIRED_TAG, ORIGINAL_MAX_TAG, SUSPENDED_TAG, tagValue } from "./asg-group.js";
import { decodeProcesses } from "./asg-suspend.js";
import { decodeLease } from "./lease.js";
import { asgLeaseKey, LEASE_TAG } from "./lease-asg.js";
import { removeLocalLock } from "./lease-local.js";

export interface CleanupOptions {
  check: boolean;
  /** Where the local locks are (the state dir of this machine). */
  stateDir: string;
}

export async function cleanupAsg(api: AwsApi, asgName: string, o: CleanupOptions): Promise<string[]> {
  const lines: string[] = [];
  const act = async (line: string, fn: () => Promise<unknown>) => {
    lines.push(o.check ? `would ${line}` : line);
    if (!o.check) await fn();
  };
  const read = async () => {
    const [g] = await api.describeAutoScalingGroups({ names: [asgName] });
    if (!g) throw new Error(`Auto Scaling group ${asgName} not found in ${api.region}`);
    return g;
  };
  let g = await read();
  const suspended = decodeProcesses(tagValue(g, SUSPENDED_TAG));
  if (tagValue(g, SUSPENDED_TAG) !== undefined) {
    if (suspended.length > 0)
      await act(`resume processes ${suspended.join(", ")}`, () => api.resumeProcesses(asgName, suspended));
    await act(`delete tag ${SUSPENDED_TAG}`, () => api.deleteTags(asgName, [SUSPENDED_TAG]));
  }
  g = await read();
  const origMax = numberTag(g, ORIGINAL_MAX_TAG);
  if (origMax !== undefined) {
    if (g.maxSize !== origMax && g.desiredCapacity <= origMax) {
      await act(`set max size back from ${g.maxSize} to ${origMax}`, () =>
        api.updateGroupSize(asgName, { maxSize: origMax }),
      );
    }
    if (g.desiredCapacity <= origMax) {
      await act(`delete tag ${ORIGINAL_MAX_TAG}`, () => api.deleteTags(asgName, [ORIGINAL_MAX_TAG]));
    } else {
      lines.push(
        `left max size ${g.maxSize} and tag ${ORIGINAL_MAX_TAG}=${origMax}: desired capacity ${g.desiredCapacity} is above it (a surge is still in place, see below)`,
      );
    }
  }
  const origDesired = numberTag(g, ORIGINAL_DESIRED_TAG);
  if (origDesired !== undefined) {
    if (g.desiredCapacity === origDesired) {
      await act(`delete tag ${ORIGINAL_DESIRED_TAG}`, () => api.deleteTags(asgName, [ORIGINAL_DESIRED_TAG]));
    } else {
      lines.push(
        `left tag ${ORIGINAL_DESIRED_TAG}=${origDesired}: desired capacity is ${g.desiredCapacity}. An unfinished surge: once you know which instance is extra, ` +
          `remove it with \`aws autoscaling terminate-instance-in-auto-scaling-group --instance-id <id> --should-decrement-desired-capacity\`, then delete the tag`,
      );
    }
  }
  const lease = decodeLease(tagValue(g, LEASE_TAG));
  if (tagValue(g, LEASE_TAG) !== undefined) {
    const who = lease ? ` (run ${lease.owner}, host ${lease.host}, pid ${lease.pid})` : "";
    await act(`delete tag ${LEASE_TAG}${who}`, () => api.deleteTags(asgName, [LEASE_TAG]));
  }
  lines.push(...(await cleanupLock(asgLeaseKey(api.region, asgName), o)));
  if (lines.length === 0) lines.push(`nothing to clean up on ASG ${asgName}`);
  return lines;
}

/** Only a lock file: Spotinst keeps no rollcall state in the cloud. */
export async function cleanupLock(key: string, o: CleanupOptions): Promise<string[]> {
  if (o.check) return [];
  const removed = await removeLocalLock(o.stateDir, key);
  return removed
    ? [`removed the local lock of run ${removed.owner} (host ${removed.host}, pid ${removed.pid})`]
    : [];
}
