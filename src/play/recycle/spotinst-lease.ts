// Spotinst has nowhere to put a lease, so the group's own states are the lease (issue 12): a run
// refuses to start while any stateful instance of the group is mid-action unless this run's
// journal says the action is its own; it looks again after each action request and on every
// poll while it waits, so two runs that started in the same second see each other. Both then
// finish the recycle they already issued (it cannot be taken back), and only one goes on: the
// one whose instance id sorts first among those mid-action — a rule both can apply without
// talking to each other. Also here: issuing the PUT so a refusal tells "someone else's action"
// from "our own retried request", and re-issuing on resume a request that never arrived.
import type { CallOptions, SpotinstApi } from "../../cloud/spotinst/api.js";
import type { StatefulInstance } from "../../cloud/spotinst/types.js";
import { RemoteError } from "../../errors.js";
import type { ActionJournal } from "./journal-port.js";
import type { InstanceMark, RecycleHooks, RecycleRequest } from "./spotinst-recycle.js";

/** States in which an action is under way (initiated or progressing). */
const UNDER_WAY = new Set([
  "PAUSE",
  "PAUSING",
  "RESUME",
  "RESUMING",
  "RECYCLE",
  "RECYCLING",
  "DEALLOCATE",
  "DEALLOCATING",
]);

export const SPOTINST_KINDS = [
  "spotinst-recycle",
  "spotinst-pause",
  "spotinst-resume",
  "spotinst-deallocate",
];

/** This run's own actions: what its journal has in flight (plus what this process issued). */
export function ownership(journal: ActionJournal | undefined, issuedHere: ReadonlySet<string>) {
  return (ssiId: string) =>
    issuedHere.has(ssiId) || SPOTINST_KINDS.some((k) => journal?.inFlight(ssiId, k) !== undefined);
}

/** Another instance mid-action that this run did not start: someone else is changing the group. */
export function foreignBusy(
  all: readonly StatefulInstance[],
  self: string,
  isOurs: (ssiId: string) => boolean,
): string | undefined {
  const busy = othersBusy(all, self, isOurs);
  if (busy.length === 0) return undefined;
  const list = busy.map((s) => `${s.id} ${s.state}`).join(", ");
  return `the group is being changed outside this run (${list}, not in this run's journal: another rollcall run, or Spotinst itself); refusing to take ${self} out`;
}

export function othersBusy(
  all: readonly StatefulInstance[],
  self: string,
  isOurs: (ssiId: string) => boolean,
): StatefulInstance[] {
  return all.filter((s) => s.id !== self && UNDER_WAY.has(s.state) && !isOurs(s.id));
}

/**
 * Watches the polls of one recycle for others mid-action. `verdict()` after our own recycle
 * finished: undefined to go on, else why this run stops.
 */
export function createConflictWatch(self: string, isOurs: (ssiId: string) => boolean) {
  const seen = new Map<string, string>();
  return {
    observe(all: readonly StatefulInstance[]) {
      for (const s of othersBusy(all, self, isOurs)) seen.set(s.id, s.state);
    },
    get seen(): ReadonlyMap<string, string> {
      return seen;
    },
    verdict(): string | undefined {
      if (seen.size === 0) return undefined;
      const first = [...seen.keys(), self].sort()[0];
      if (first === self) return undefined;
      const list = [...seen].map(([id, state]) => `${id} ${state}`).join(", ");
      return `another run changed the group while ${self} was recycled (${list}, not in this run's journal); this recycle finished, and this run stops so that only one goes on`;
    },
  };
}

type Poll = () => Promise<{ ssi?: StatefulInstance; all: StatefulInstance[] }>;

/** The client gave up after more than one attempt (an earlier attempt may have been accepted). */
function wasRetried(err: RemoteError): boolean {
  return /gave up after \d+ attempts/.test(err.data.apiMessage ?? "");
}

/** PUT recycle; undefined when it is under way as ours, else why not. */
export async function issueRecycle(
  api: SpotinstApi,
  req: RecycleRequest,
  hooks: RecycleHooks,
  poll: Poll,
  prev: InstanceMark,
  call?: CallOptions,
): Promise<string | undefined> {
  try {
    await api.statefulAction(req.groupId, req.ssiId, "recycle", call);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    // A refusal on the first attempt means someone else's action is under way on this instance
    // (two runs at once): not ours to wait for.
    if (hooks.isOurs && !wasRetried(err)) {
      return `recycle of ${req.ssiId} refused by Spotinst (${err.message}): another run (or Spotinst itself) is already changing it; stopping`;
    }
    // The client retries a PUT that timed out; if the first attempt was accepted, the retry is
    // refused (invalid state) although the recycle runs. One look tells the two apart.
    const { ssi } = await poll();
    const started = ssi && (ssi.state !== "ACTIVE" || ssi.instanceId !== prev.instanceId);
    if (!started) return `recycle request failed: ${err.message}`;
  }
  await hooks.afterIssue?.();
  return undefined;
}

/**
 * Re-attach without a record that Spotinst accepted the request: one poll says whether it
 * arrived. ACTIVE on the same instance → it did not (or not yet): issue it now when allowed — a
 * duplicate is refused by Spotinst, which then proves the first one had arrived.
 */
export async function reissueIfLost(
  api: SpotinstApi,
  req: RecycleRequest,
  hooks: RecycleHooks,
  poll: Poll,
  call?: CallOptions,
): Promise<{ msg: string; stateful: StatefulInstance; previous: InstanceMark } | undefined> {
  const prev = req.inFlight!.previous;
  const { ssi } = await poll();
  if (ssi?.state !== "ACTIVE" || ssi.instanceId !== prev.instanceId || ssi.launchedAt !== prev.launchedAt)
    return undefined;
  if (!req.reissue) {
    return {
      msg: `the recycle of ${req.ssiId} issued at ${req.inFlight!.issuedAt} had not reached Spotinst (still ACTIVE on ${prev.instanceId}); the resumed play issues it`,
      stateful: ssi,
      previous: prev,
    };
  }
  try {
    await api.statefulAction(req.groupId, req.ssiId, "recycle", call);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    // Refused: an action is already under way — ours, which did arrive. Wait for it.
    return undefined;
  }
  await hooks.afterIssue?.();
  return undefined;
}
