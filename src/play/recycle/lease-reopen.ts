// Open a journaled lease store again (LeaseRegistry.adopt on --resume): the kind of store, and
// what locates it. The AWS client is built the way asg_recycle builds its own.
import type { LeaseStore } from "./lease.js";
import { asgLeaseStore } from "./lease-asg.js";

export function leaseReopener(env: Record<string, string | undefined>) {
  return async (info: Record<string, string>): Promise<LeaseStore | undefined> => {
    if (info.store !== "asg" || !info.region || !info.asgName) return undefined;
    const { awsApiSettings, awsSourceSchema } = await import("../../inventory/sources/aws.js");
    const settings = awsApiSettings(
      awsSourceSchema.parse({ type: "aws" }),
      { env, homeDir: "", note() {} },
      info.region,
    );
    const { createAwsApi } = await import("../../cloud/aws/api.js");
    return asgLeaseStore(await createAwsApi(settings), info.asgName);
  };
}
