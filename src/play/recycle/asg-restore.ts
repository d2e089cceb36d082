// Put the group back the way the recycle found it, after success or failure: max size (when the
// surge raised it), the suspended processes (exactly the ones this recycle suspended), then the
// tags that recorded them. Tags go last, so a crash in between leaves enough to finish the job on
// --resume or with `rollcall recycle-cleanup`. Restoring is idempotent.
import { RemoteError } from "../../errors.js";
import { ORIGINAL_DESIRED_TAG, ORIGINAL_MAX_TAG, SUSPENDED_TAG } from "./asg-group.js";
import type { AsgInFlight, RunState } from "./asg-steps.js";
import { restoreMax } from "./asg-surge.js";
import { resumeFor } from "./asg-suspend.js";

/**
 * Returns notes for the task's message (what was left and why). `keepDesiredTag`: the surge
 * could not be undone, so `rollcall:original-desired` must stay for the next run to see.
 */
export async function restoreGroup(
  run: RunState,
  data: AsgInFlight,
  options: { keepDesiredTag: boolean },
): Promise<string[]> {
  const notes: string[] = [];
  const gone: string[] = [];
  try {
    if (data.originalMax !== undefined) {
      const max = await restoreMax(run, data.originalMax, data.originalDesired + 1);
      if (max.note) notes.push(max.note);
      if (max.done) gone.push(ORIGINAL_MAX_TAG);
    }
    await resumeFor(run, data.suspend ?? []);
    gone.push(SUSPENDED_TAG);
    if (!options.keepDesiredTag) gone.push(ORIGINAL_DESIRED_TAG);
    await run.api.deleteTags(run.asgName, gone);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    notes.push(
      `putting ${run.asgName} back failed (${err.message}): run \`rollcall recycle-cleanup --asg ${run.asgName} --region ${run.api.region}\``,
    );
  }
  return notes;
}
