// The point of the fake: rollcall's real Spotinst client works against it unchanged, faults
// included. Kept small; the client's own behaviour is tested in test/cloud/.
import { afterEach, describe, expect, it } from "vitest";
import { createSpotinstApi } from "../../src/cloud/spotinst/api.js";
import type { Simulator } from "../../src/sim/index.js";
import { KAFKA, startTestSim, TOKEN, WORKERS, waitUntil } from "./helpers.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const clientFor = (s: Simulator) =>
  createSpotinstApi({
    credentials: { token: TOKEN, accountId: "act-11111111" },
    baseUrl: s.spotinstUrl,
    timeoutMs: 300,
    retry: { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 10_000 },
  });

describe("the real Spotinst client against the fake", () => {
  it("reads groups, status and SSIs, and recycles one", async () => {
    sim = await startTestSim();
    const api = clientFor(sim);
    const groups = await api.listGroups();
    expect(groups.map((g) => g.name)).toEqual(["kafka-test", "zk-test", "workers"]);
    expect((await api.getGroup(KAFKA)).id).toBe(KAFKA);
    expect(await api.listStatefulInstances(WORKERS)).toEqual([]);
    expect(await api.getGroupStatus(WORKERS)).toHaveLength(2);

    const [first] = await api.listStatefulInstances(KAFKA);
    await api.statefulAction(KAFKA, first!.id, "recycle");
    await waitUntil(async () => {
      const now = (await api.listStatefulInstances(KAFKA)).find((s) => s.id === first!.id)!;
      return now.state === "ACTIVE" && now.instanceId !== first!.instanceId;
    }, 5000);
    expect(sim.spotinstStats.withoutAccountId).toBe(0);
    expect(sim.shared.mutatingCalls.spotinst).toBe(1);
  });

  it("gets through 429s, 5xx, HTML 502s and hangs by retrying", async () => {
    sim = await startTestSim({ faultRate: 0.3, hangRate: 0.05, seed: 11 });
    const api = clientFor(sim);
    for (let i = 0; i < 10; i++) expect(await api.listGroups()).toHaveLength(3);
    const faults = sim.spotinstStats.faults;
    expect(faults.throttle + faults["server-error"]).toBeGreaterThan(0);
  });
});
