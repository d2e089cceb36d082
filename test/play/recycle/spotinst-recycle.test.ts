// recycleStatefulInstance / transitionStatefulInstance edge cases, against the simulator's real
// HTTP API through the real client.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createSpotinstApi, type SpotinstApi } from "../../../src/cloud/spotinst/api.js";
import { transitionStatefulInstance } from "../../../src/play/recycle/spotinst-actions.js";
import {
  type RecycleHooks,
  type RecycleRequest,
  recycleStatefulInstance,
} from "../../../src/play/recycle/spotinst-recycle.js";
import { fleetSchema } from "../../../src/sim/fleet.js";
import type { Simulator } from "../../../src/sim/index.js";
import { ACCOUNT, GROUP, recycleFleet, SSIS, startSim, TOKEN } from "./support.js";

function hooks(progress: string[] = [], issued: unknown[] = []): RecycleHooks {
  return {
    signal: new AbortController().signal,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: Date.now,
    beforeIssue: async (prev) => {
      issued.push(prev);
    },
    progress: (m) => progress.push(m),
  };
}

const base = (ssiId: string): RecycleRequest => ({
  groupId: GROUP,
  ssiId,
  requireGroupActive: true,
  waitTimeoutMs: 10_000,
  pollIntervalMs: 20,
  pausedGraceMs: 200,
  check: false,
});

describe("spotinst recycle core", () => {
  let sim: Simulator | undefined;
  let api: SpotinstApi;
  const start = async (fleet = recycleFleet(), timeScale = 1000) => {
    sim = await startSim({ fleet: fleetSchema.parse(fleet), timeScale });
    api = createSpotinstApi({ baseUrl: sim.spotinstUrl, credentials: { token: TOKEN, accountId: ACCOUNT } });
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("counts a recycle done by instanceId/launchedAt even when RECYCLING is never observed", async () => {
    // At ×100: the PUT's old state shows for 200 ms (the first poll lands there, even on a busy
    // machine), RECYCLING lasts 50 ms, and the next poll comes a second later.
    const fleet = { ...recycleFleet(), timings: { accept: 20, recycle: { stop: 2, start: 3 }, boot: 1 } };
    await start(fleet, 100);
    const before = { ...sim!.world.findSsi(SSIS[0]!)! };
    const progress: string[] = [];
    const r = await recycleStatefulInstance(
      api,
      { ...base(SSIS[0]!), pollIntervalMs: 1_000 },
      hooks(progress),
    );
    expect(r.ok, r.msg).toBe(true);
    if (!r.ok) return;
    expect(r.changed).toBe(true);
    expect(r.stateful.instanceId).not.toBe(before.instanceId);
    expect(r.previous.instanceId).toBe(before.instanceId);
    expect(progress.some((p) => p.includes("RECYCLING"))).toBe(false);
    expect(sim!.shared.mutatingCalls.spotinst).toBe(1);
  });

  it("fails at once on ERROR, without waiting for the timeout", async () => {
    await start();
    sim!.world.setOutcome(SSIS[0]!, { recycleOutcome: "error" });
    const t0 = Date.now();
    const r = await recycleStatefulInstance(api, { ...base(SSIS[0]!), waitTimeoutMs: 60_000 }, hooks());
    expect(r.ok).toBe(false);
    expect(r.msg).toBe(`recycle of ${SSIS[0]} ended in ERROR`);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("refuses to take another instance out while one of the group is in ERROR", async () => {
    await start();
    sim!.world.setOutcome(SSIS[0]!, { recycleOutcome: "error" });
    await recycleStatefulInstance(api, base(SSIS[0]!), hooks());
    const r = await recycleStatefulInstance(api, base(SSIS[1]!), hooks());
    expect(r.ok).toBe(false);
    expect(r.msg).toContain(`has ${SSIS[0]} in ERROR; refusing`);
    expect(sim!.shared.mutatingCalls.spotinst).toBe(1);
  });

  it("fails when PAUSED persists beyond the grace", async () => {
    const fleet = recycleFleet();
    // biome-ignore lint/suspicious/noExplicitAny: poke one instance of the test fleet
    (fleet.accounts[0]!.groups![0] as any).instances[0].state = "PAUSED";
    await start(fleet);
    // A resumed run re-attaches to a recycle that (in this fake) stopped in PAUSED.
    const previous = { instanceId: "i-00000000000000001", launchedAt: null, privateIp: null };
    const inFlight = { previous, issuedAt: new Date().toISOString() };
    const r = await recycleStatefulInstance(api, { ...base(SSIS[0]!), inFlight }, hooks());
    expect(r.ok).toBe(false);
    expect(r.msg).toBe(`recycle of ${SSIS[0]} stopped in PAUSED`);
    expect(sim!.shared.mutatingCalls.spotinst).toBe(0);
  });

  it("times out with the state and the limit in the message", async () => {
    await start();
    sim!.world.setOutcome(SSIS[0]!, { recycleOutcome: "stuck" });
    const r = await recycleStatefulInstance(api, { ...base(SSIS[0]!), waitTimeoutMs: 1_500 }, hooks());
    expect(r.ok).toBe(false);
    expect(r.msg).toMatch(
      new RegExp(`^timed out after [12] s \\(wait_timeout 2 s\\): ${SSIS[0]} is RECYCLING$`),
    );
  });

  it("check mode reports and issues nothing", async () => {
    await start();
    const issued: unknown[] = [];
    const r = await recycleStatefulInstance(api, { ...base(SSIS[0]!), check: true }, hooks([], issued));
    expect(r.ok && r.msg).toMatch(/^would recycle ssi-7e570001 \(i-/);
    expect(issued).toEqual([]);
    expect(sim!.shared.mutatingCalls.spotinst).toBe(0);
  });

  it("a re-attach whose recycle never started fails after the grace instead of issuing it again", async () => {
    await start();
    const ssi = sim!.world.findSsi(SSIS[0]!)!;
    const previous = {
      instanceId: ssi.instanceId,
      launchedAt: new Date(ssi.launchedAt!).toISOString(),
      privateIp: ssi.privateIp,
    };
    const inFlight = { previous, issuedAt: new Date(Date.now() - 60_000).toISOString() };
    const r = await recycleStatefulInstance(
      api,
      { ...base(SSIS[0]!), inFlight, notStartedGraceMs: 1_000 },
      hooks(),
    );
    expect(r.ok).toBe(false);
    expect(r.msg).toContain("never started");
    expect(sim!.shared.mutatingCalls.spotinst).toBe(0);
  });

  it("pause then resume wait for PAUSED and for ACTIVE on a new instance", async () => {
    await start();
    const old = sim!.world.findSsi(SSIS[0]!)!.instanceId;
    const t = {
      groupId: GROUP,
      ssiId: SSIS[0]!,
      requireGroupActive: true,
      waitTimeoutMs: 10_000,
      pollIntervalMs: 20,
      check: false,
    };
    const paused = await transitionStatefulInstance(api, { ...t, action: "pause" }, hooks());
    expect(paused.ok && paused.stateful?.state).toBe("PAUSED");
    const again = await transitionStatefulInstance(api, { ...t, action: "pause" }, hooks());
    expect(again.ok && !again.changed).toBe(true);
    const resumed = await transitionStatefulInstance(api, { ...t, action: "resume" }, hooks());
    expect(resumed.ok && resumed.stateful?.state).toBe("ACTIVE");
    expect(resumed.ok && resumed.stateful?.instanceId).not.toBe(old);
    expect(sim!.shared.mutatingCalls.spotinst).toBe(2);
  });
});
