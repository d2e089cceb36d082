// Holding and finishing a lifecycle action, and holding the SQS message while its play runs:
// RecordLifecycleActionHeartbeat before the hook's heartbeat timeout, ChangeMessageVisibility
// before the message reappears, CompleteLifecycleAction at the end. AWS answers a finished or
// timed-out action with ValidationError "No active Lifecycle Action found": that is an answer
// (someone else completed it, or the default result applied), not a failure.
import type { AwsApi, LifecycleActionRef } from "../cloud/aws/api.js";
import { RemoteError } from "../errors.js";

/** The smallest heartbeat timeout AWS allows is 30 s: 15 s is always in time. */
export const SAFE_HEARTBEAT_SEC = 15;

export function isNoActiveAction(err: unknown): boolean {
  return (
    err instanceof RemoteError &&
    err.data.code === "ValidationError" &&
    /No active Lifecycle Action found/i.test(err.data.apiMessage ?? "")
  );
}

export type CompleteOutcome = "completed" | "already-done";

export async function completeAction(
  api: AwsApi,
  ref: LifecycleActionRef,
  result: "CONTINUE" | "ABANDON",
): Promise<CompleteOutcome> {
  try {
    await api.completeLifecycleAction({ ...ref, result });
    return "completed";
  } catch (err) {
    if (isNoActiveAction(err)) return "already-done";
    throw err;
  }
}

/**
 * Seconds between heartbeats: configured, else half the hook's timeout, else 15. A configured
 * interval that is not shorter than the hook's timeout is reported once per hook (as the AWS
 * node termination handler does): such heartbeats come too late to hold anything.
 */
export function createHeartbeatIntervals(configured: number | undefined, warn: (message: string) => void) {
  const known = new Map<string, Promise<number | undefined>>();
  const hookTimeout = (api: AwsApi, asgName: string, hookName: string) => {
    const key = `${api.region}/${asgName}/${hookName}`;
    let found = known.get(key);
    if (!found) {
      // autoscaling:DescribeLifecycleHooks is optional: without it, the safe default applies.
      found = api
        .describeLifecycleHooks(asgName, [hookName])
        .then((hooks) => hooks.find((h) => h.name === hookName)?.heartbeatTimeout)
        .catch(() => undefined);
      known.set(key, found);
      if (configured !== undefined) {
        void found.then((timeout) => {
          if (timeout !== undefined && configured >= timeout)
            warn(
              `heartbeat_interval ${configured} s is not shorter than hook ${hookName}'s ${timeout} s heartbeat timeout`,
            );
        });
      }
    }
    return found;
  };
  return async (api: AwsApi, asgName: string, hookName: string): Promise<number> => {
    const timeout = hookTimeout(api, asgName, hookName);
    if (configured !== undefined) return configured;
    const seconds = await timeout;
    return seconds ? Math.max(1, seconds / 2) : SAFE_HEARTBEAT_SEC;
  };
}

export interface Repeater {
  stop(): void;
}

/**
 * Run `beat` every `intervalMs` until stopped. A beat that throws is reported; `stopWhen`
 * ends the repetition (the action is gone: heartbeating it again is pointless).
 */
export function repeat(
  intervalMs: number,
  beat: () => Promise<void>,
  onError: (err: unknown) => "stop" | "continue",
): Repeater {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      try {
        await beat();
      } catch (err) {
        if (onError(err) === "stop") stopped = true;
      }
      schedule();
    }, intervalMs);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
