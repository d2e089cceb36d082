// The cloud half of a lease for an Auto Scaling group: the `rollcall:lease` tag on the group,
// "owner=<run id>;host=…;pid=…;expires=<ISO>" (well under the 256-character tag value limit).
// It is not propagated to instances.
import type { AwsApi } from "../../cloud/aws/api.js";
import type { LeaseStore } from "./lease.js";

export const LEASE_TAG = "rollcall:lease";

export function asgLeaseKey(region: string, asgName: string): string {
  return `asg:${region}:${asgName}`;
}

export function asgLeaseStore(api: AwsApi, asgName: string): LeaseStore {
  return {
    describe: `ASG ${asgName}`,
    info: { store: "asg", region: api.region, asgName },
    async read() {
      const [g] = await api.describeAutoScalingGroups({ names: [asgName] });
      return g?.tags.find((t) => t.key === LEASE_TAG)?.value;
    },
    write: (value) => api.createOrUpdateTags(asgName, [{ key: LEASE_TAG, value }]),
    remove: () => api.deleteTags(asgName, [LEASE_TAG]),
    close: () => api.destroy(),
  };
}

export const asgCleanupHint = (asgName: string, region: string) =>
  `\`rollcall recycle-cleanup --asg ${asgName} --region ${region}\``;
