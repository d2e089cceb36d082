// DeleteTags and a read-only DescribeInstanceRefreshes for the Auto Scaling fake. The fake never
// runs instance refreshes itself; tests put entries in `world.instanceRefreshes` to play "someone
// started one", so clients can be checked to refuse working on a group that is being refreshed.
import type { Handler, RequestInfo } from "./ec2-handlers.js";
import { AwsFault, members, str, structs } from "./protocol.js";
import { type AwsWorld, asgKey, requireAsg } from "./world.js";

export const tagHandlers: Record<string, Handler> = {
  DeleteTags: deleteTags,
  DescribeInstanceRefreshes: describeInstanceRefreshes,
};

/** The Tags.member.N entries of a tag call, each checked and resolved to its group. */
export function tagTargets(world: AwsWorld, { region, params }: RequestInfo) {
  return structs(params, "Tags", "member").map((t) => {
    const type = str(t, "ResourceType") ?? "auto-scaling-group";
    if (type !== "auto-scaling-group")
      throw new AwsFault(400, "ValidationError", `Invalid resource type: ${type}`);
    const asg = requireAsg(world, region, str(t, "ResourceId"));
    const key = str(t, "Key");
    if (!key) throw new AwsFault(400, "ValidationError", "Tag key must not be empty");
    return { asg, key, tag: t };
  });
}

function deleteTags(world: AwsWorld, request: RequestInfo): object {
  for (const { asg, key } of tagTargets(world, request)) {
    // Deleting a tag that is not there is not an error in AWS either.
    asg.tags = asg.tags.filter((x) => x.key !== key);
  }
  return {};
}

function describeInstanceRefreshes(world: AwsWorld, { region, params }: RequestInfo): object {
  const asg = requireAsg(world, region, str(params, "AutoScalingGroupName"));
  const refreshes = world.instanceRefreshes?.get(asgKey(region, asg.name)) ?? [];
  return {
    InstanceRefreshes: members(
      refreshes.map((r) => ({
        InstanceRefreshId: r.id,
        AutoScalingGroupName: asg.name,
        Status: r.status,
        StatusReason: r.statusReason,
      })),
    ),
  };
}
