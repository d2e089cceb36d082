// Resume of an ASG replacement: the journal says it was issued, the group says how far it got.
// Every step is re-derived from a fresh read and is safe to run twice, so the surge is applied
// once, the old instance is terminated once, and max size, processes and tags end up restored.

import {
  finishSurge,
  finishTerminateFirst,
  type Result,
  scaleOut,
  tagSurge,
  terminateOld,
  terminateStandby,
} from "./asg-flow.js";
import { isGoing, ORIGINAL_DESIRED_TAG } from "./asg-group.js";
import { type AsgInFlight, newMembers, type RunState, readGroup } from "./asg-steps.js";
import { raiseMax } from "./asg-surge.js";
import { suspendFor } from "./asg-suspend.js";

/** Find where the earlier attempt got to and finish from there; never issue twice. */
export async function reattach(run: RunState, data: AsgInFlight, issuedAt: string): Promise<Result> {
  const why = `re-attached to a recycle issued at ${issuedAt}`;
  // The crash may have come before the suspension: make sure it holds (idempotent).
  await suspendFor(run, data.suspend ?? []);
  if (data.strategy === "terminate_standby") return terminateStandby(run, data, why);
  const g = await readGroup(run);
  const old = g.instances.find((m) => m.instanceId === data.instanceId);
  const untouched = old !== undefined && !isGoing(old) && newMembers(g, data).length === 0;
  if (data.strategy === "launch_first") {
    run.phase = `tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} may be set`;
    // The crash came before the scale-out took effect: it was never applied, so apply it now.
    if (untouched && g.desiredCapacity === data.originalDesired) {
      await tagSurge(run, data);
      const raised = data.originalMax !== undefined && g.maxSize === data.originalMax + 1;
      if (data.originalMax !== undefined && !raised)
        await raiseMax(run, data.originalMax, data.originalDesired);
      return scaleOut(run, data, why);
    }
    run.phase = `desired capacity ${g.desiredCapacity}, tag ${ORIGINAL_DESIRED_TAG}=${data.originalDesired} left in place`;
    return finishSurge(run, data, why);
  }
  if (untouched) return terminateOld(run, data, why);
  run.phase = `${data.instanceId} is terminating or gone`;
  return finishTerminateFirst(run, data, why);
}
