// An in-process model of `kill -9` for the randomized drills. At a chosen API call the run
// freezes for good: that call and every later one (also from timers, such as lease renewals)
// return a promise that never settles, so no line of the run's code runs after that point — no
// `finally`, no journal record, no cleanup — exactly what a killed process leaves. The call itself
// is either never sent ("before") or sent and its answer lost ("after"). The frozen run is then
// abandoned and a `--resume` run takes over in the same state dir, as after a real crash.
import type { AwsApi, AwsApiSettings } from "../../../src/cloud/aws/api.js";
import { createAwsApi } from "../../../src/cloud/aws/api.js";
import type { SpotinstApi } from "../../../src/cloud/spotinst/api.js";
import type { SpotinstClientPool } from "../../../src/play/recycle/spotinst-client.js";

export type CrashMode = "before" | "after";

export interface CrashPlan {
  /** Crash at the n-th counted call (1-based). */
  at: number;
  mode: CrashMode;
  /** Count only these methods (mutating calls), or every call. */
  only?: ReadonlySet<string>;
}

export interface Crash {
  plan: CrashPlan;
  calls: number;
  /** What the run was doing when it froze: "SetDesiredCapacity (after)". */
  point?: string;
  /** Resolves when the run froze. */
  crashed: Promise<void>;
}

const never = () => new Promise<never>(() => {});

export function createCrash(plan: CrashPlan): Crash & { trip(method: string): void; frozen: boolean } {
  let resolve!: () => void;
  const crashed = new Promise<void>((r) => {
    resolve = r;
  });
  const c = {
    plan,
    calls: 0,
    point: undefined as string | undefined,
    crashed,
    frozen: false,
    trip(method: string) {
      c.frozen = true;
      c.point = `${method} (${plan.mode})`;
      resolve();
    },
  };
  return c;
}

function wrap<T extends object>(
  target: T,
  crash: ReturnType<typeof createCrash>,
  keep: ReadonlySet<string>,
): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || keep.has(prop)) return value;
      return (...args: unknown[]) => {
        if (crash.frozen) return never();
        const counted = !crash.plan.only || crash.plan.only.has(prop);
        if (counted) crash.calls++;
        if (counted && crash.calls === crash.plan.at) {
          crash.trip(prop);
          if (crash.plan.mode === "after") {
            // Sent; the answer is never read.
            (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args).catch(() => {});
          }
          return never();
        }
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

export const AWS_MUTATING = new Set([
  "createOrUpdateTags",
  "deleteTags",
  "setDesiredCapacity",
  "terminateInstanceInAutoScalingGroup",
  "updateGroupSize",
  "suspendProcesses",
  "resumeProcesses",
]);

export const SPOTINST_MUTATING = new Set(["statefulAction"]);

/** services.awsApi for the crashing run: every client it builds freezes together. */
export function crashingAwsApi(crash: ReturnType<typeof createCrash>) {
  return async (settings: AwsApiSettings): Promise<AwsApi> =>
    wrap(await createAwsApi(settings), crash, new Set(["destroy"]));
}

/** services.spotinst for the crashing run. */
export function crashingSpotinstPool(
  real: SpotinstClientPool,
  crash: ReturnType<typeof createCrash>,
): SpotinstClientPool {
  return {
    async client(request) {
      const r = await real.client(request);
      return r.ok ? { ok: true, api: wrap<SpotinstApi>(r.api, crash, new Set()) } : r;
    },
  };
}
