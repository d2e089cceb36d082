// The long state walk (`state_walk: long`): the documented "action initiated" states, a recycle
// as a pause then a resume, DEALLOCATED instances dropping out of the list (`drop_deallocated`),
// and an instance failing anywhere on the way (world.failNow).
import { afterEach, describe, expect, it } from "vitest";
import { fleetSchema } from "../../src/sim/fleet.js";
import type { Simulator } from "../../src/sim/index.js";
import { act, KAFKA, listSsis, startTestSim, statesOf, TEST_FLEET, waitUntil } from "./helpers.js";

function longWalkFleet(drop = false) {
  return fleetSchema.parse({
    ...TEST_FLEET,
    accounts: TEST_FLEET.accounts.map((a, i) =>
      i === 0
        ? {
            ...a,
            groups: a.groups!.map((g) =>
              g.id === KAFKA
                ? {
                    ...g,
                    state_walk: "long",
                    drop_deallocated: drop,
                    instances: [...g.instances!, { id: "ssi-a0000007", state: "DEALLOCATED" }],
                  }
                : g,
            ),
          }
        : a,
    ),
  });
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const settled = (s: Simulator, id: string, state: string) =>
  waitUntil(
    () => s.world.findSsi(id)?.state === state && !s.world.findSsi(id)?.pending,
    10_000,
    `${id} ${state}`,
  );

describe("state_walk: long", () => {
  it("walks every documented state: recycle as a pause then a resume, PAUSED for its own timing", async () => {
    sim = await startTestSim({ fleet: longWalkFleet() });
    const before = sim.world.findSsi("ssi-a0000001")!.instanceId;
    expect((await act(sim, KAFKA, "ssi-a0000001", "recycle")).status).toBe(200);
    expect((await act(sim, KAFKA, "ssi-a0000006", "pause")).status).toBe(200);
    expect((await act(sim, KAFKA, "ssi-a0000004", "resume")).status).toBe(200);
    await settled(sim, "ssi-a0000001", "ACTIVE");
    await settled(sim, "ssi-a0000006", "PAUSED");
    await settled(sim, "ssi-a0000004", "ACTIVE");
    expect(statesOf(sim, "ssi-a0000001")).toEqual(["RECYCLE", "RECYCLING", "PAUSED", "RESUMING", "ACTIVE"]);
    expect(statesOf(sim, "ssi-a0000006")).toEqual(["PAUSE", "PAUSING", "PAUSED"]);
    expect(statesOf(sim, "ssi-a0000004")).toEqual(["RESUME", "RESUMING", "ACTIVE"]);
    expect(sim.world.findSsi("ssi-a0000001")!.instanceId).not.toBe(before);
    // PAUSED inside the recycle lasts timings.recycle.paused (default 150 simulated s).
    const walk = sim.shared.timeline.filter((e) => e.type === "state" && e.subject === "ssi-a0000001");
    const paused = walk.find((e) => e.detail.to === "PAUSED")!;
    const resuming = walk.find((e) => e.detail.to === "RESUMING")!;
    expect(resuming.at - paused.at).toBeGreaterThanOrEqual(150_000);
  });

  it("keeps DEALLOCATED instances listed by default", async () => {
    sim = await startTestSim({ fleet: longWalkFleet() });
    await act(sim, KAFKA, "ssi-a0000001", "deallocate");
    await settled(sim, "ssi-a0000001", "DEALLOCATED");
    expect(statesOf(sim, "ssi-a0000001")).toEqual(["DEALLOCATE", "DEALLOCATING", "DEALLOCATED"]);
    const listed = await listSsis(sim, KAFKA);
    expect(listed.find((s) => s.id === "ssi-a0000001")?.state).toBe("DEALLOCATED");
    expect(listed.some((s) => s.id === "ssi-a0000007")).toBe(true);
  });

  it("drops DEALLOCATED instances from the list with drop_deallocated", async () => {
    sim = await startTestSim({ fleet: longWalkFleet(true) });
    const first = await listSsis(sim, KAFKA);
    expect(first.some((s) => s.id === "ssi-a0000007")).toBe(false);
    await act(sim, KAFKA, "ssi-a0000001", "deallocate");
    await waitUntil(async () => !(await listSsis(sim!, KAFKA)).some((s) => s.id === "ssi-a0000001"), 10_000);
    const drop = sim.shared.timeline.find((e) => e.subject === "ssi-a0000001" && e.detail.dropped);
    expect(drop?.detail.to).toBe("DEALLOCATED");
    expect((await act(sim, KAFKA, "ssi-a0000001", "resume")).status).toBe(404);
  });

  it("fails an instance on the spot with world.failNow, wherever it is", async () => {
    sim = await startTestSim({ fleet: longWalkFleet() });
    await act(sim, KAFKA, "ssi-a0000001", "recycle");
    await waitUntil(() => sim!.world.findSsi("ssi-a0000001")?.state === "PAUSED", 10_000);
    sim.world.failNow("ssi-a0000001");
    const failed = sim.world.findSsi("ssi-a0000001")!;
    expect(failed).toMatchObject({ state: "ERROR", instanceId: null, pending: null });
    // Its timers are gone: it stays in ERROR.
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.world.findSsi("ssi-a0000001")?.state).toBe("ERROR");
    expect(statesOf(sim, "ssi-a0000001")).toEqual(["RECYCLE", "RECYCLING", "PAUSED", "ERROR"]);
  });
});
