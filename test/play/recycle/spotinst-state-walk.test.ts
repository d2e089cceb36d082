// Every stateful action through every documented state: the simulator's long walk (initiating
// states; a recycle as RECYCLE → RECYCLING → PAUSED → RESUMING → ACTIVE with PAUSED for 200
// simulated seconds, longer than the old 120 s paused_timeout), DEALLOCATED instances dropping out
// of the list, and ERROR anywhere on the way failing at once. The action logic runs on the
// simulator's clock (hooks.now / hooks.sleep scaled), so its deadlines are the real ones.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createSpotinstApi, type SpotinstApi } from "../../../src/cloud/spotinst/api.js";
import {
  type TransitionAction,
  transitionStatefulInstance,
} from "../../../src/play/recycle/spotinst-actions.js";
import { type RecycleHooks, recycleStatefulInstance } from "../../../src/play/recycle/spotinst-recycle.js";
import { fleetSchema } from "../../../src/sim/fleet.js";
import type { Simulator } from "../../../src/sim/index.js";
import { ACCOUNT, GROUP, recycleFleet, SSIS, startSim, TOKEN } from "./support.js";

const SCALE = 100;
const PAUSED_SSI = SSIS[2]!;

function walkFleet(drop: boolean) {
  const fleet = recycleFleet();
  const group = fleet.accounts[0]!.groups![0]!;
  return fleetSchema.parse({
    ...fleet,
    timings: {
      accept: 5,
      recycle: { stop: 20, paused: 200, start: 20 },
      pause: 20,
      resume: 20,
      deallocate: 20,
      boot: 5,
    },
    accounts: [
      {
        ...fleet.accounts[0]!,
        groups: [
          {
            ...group,
            state_walk: "long",
            drop_deallocated: drop,
            instances: SSIS.map((id) => ({ id, ...(id === PAUSED_SSI && { state: "PAUSED" as const }) })),
          },
        ],
      },
    ],
  });
}

let sim: Simulator | undefined;
let api: SpotinstApi;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(drop: boolean) {
  sim = await startSim({ fleet: walkFleet(drop), timeScale: SCALE });
  api = createSpotinstApi({ baseUrl: sim.spotinstUrl, credentials: { token: TOKEN, accountId: ACCOUNT } });
  return sim;
}

/** The module's defaults in simulated time: 600 s wait_timeout, a poll every 10 s, no paused_timeout. */
function simHooks(s: Simulator, progress: string[] = []): RecycleHooks {
  return {
    signal: new AbortController().signal,
    now: () => s.shared.clock.now(),
    sleep: (ms, signal) => sleep(ms / SCALE, undefined, { signal }),
    beforeIssue: async () => {},
    progress: (m) => progress.push(m),
  };
}
const common = (ssiId: string) => ({
  groupId: GROUP,
  ssiId,
  requireGroupActive: false,
  waitTimeoutMs: 600_000,
  pollIntervalMs: 10_000,
  check: false,
});

function run(action: "recycle" | TransitionAction, ssiId: string, progress?: string[]) {
  const hooks = simHooks(sim!, progress);
  return action === "recycle"
    ? recycleStatefulInstance(api, common(ssiId), hooks)
    : transitionStatefulInstance(api, { ...common(ssiId), action }, hooks);
}

const CASES = [
  { action: "recycle", ssi: SSIS[0]!, walk: ["RECYCLE", "RECYCLING", "PAUSED", "RESUMING", "ACTIVE"] },
  { action: "pause", ssi: SSIS[0]!, walk: ["PAUSE", "PAUSING", "PAUSED"] },
  { action: "resume", ssi: PAUSED_SSI, walk: ["RESUME", "RESUMING", "ACTIVE"] },
  { action: "deallocate", ssi: SSIS[0]!, walk: ["DEALLOCATE", "DEALLOCATING", "DEALLOCATED"] },
] as const;

describe.each([false, true])("the long walk (drop_deallocated: %s)", (drop) => {
  it.each(CASES)("$action passes through $walk", async ({ action, ssi, walk }) => {
    const s = await start(drop);
    const progress: string[] = [];
    const r = await run(action, ssi, progress);
    expect(r.ok, r.msg).toBe(true);
    const seen = s.shared.timeline
      .filter((e) => e.type === "state" && e.subject === ssi)
      .map((e) => e.detail.to);
    expect(seen).toEqual(walk);
    if (action === "recycle") {
      // It sat in PAUSED for 200 simulated s and that was progress, not failure.
      expect(progress.some((p) => p.endsWith("PAUSED"))).toBe(true);
      expect(r.elapsed).toBeGreaterThan(200);
    }
    if (action === "deallocate" && drop) {
      expect(r.msg).toBe(`deallocated ${ssi}: ${ssi} left group ${GROUP}'s list`);
      expect(r.ok && r.stateful.state).toBe("DEALLOCATED");
    }
  });
});

describe("ERROR anywhere in the walk fails at once", () => {
  const where = CASES.flatMap(({ action, ssi, walk }) =>
    walk.slice(0, -1).map((state) => ({ action, ssi, state })),
  );
  it.each(where)("$action, failing in $state", async ({ action, ssi, state }) => {
    const s = await start(false);
    let failedAt = 0;
    const watch = setInterval(() => {
      if (!failedAt && s.world.findSsi(ssi)?.state === state) {
        s.world.failNow(ssi);
        failedAt = s.shared.clock.now();
      }
    }, 1);
    try {
      const r = await run(action, ssi);
      expect(r.ok).toBe(false);
      expect(r.msg).toBe(`${action} of ${ssi} ended in ERROR`);
      // Noticed at the next poll (10 s), not at the 600 s deadline.
      expect(s.shared.clock.now() - failedAt).toBeLessThan(25_000);
    } finally {
      clearInterval(watch);
    }
  });
});
