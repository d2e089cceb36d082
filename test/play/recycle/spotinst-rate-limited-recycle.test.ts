// The safe serial recycle under Spot's rate limit: playbooks/recycle-esg.yml with `serial: 1`
// against a simulator that allows 10 GETs per minute per route (the status polls included). The
// client paces its polls by the headers instead of bursting into 429s.
import { afterEach, describe, expect, it } from "vitest";
import { apiActions, FAST, type RecycleRig, recycleFleet, SSIS, startRig, TOKEN } from "./support.js";

describe("recycle-esg.yml under a rate limit", () => {
  let rig: RecycleRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("recycles 3 instances, each exactly once, at 10 GET/min per route, with no 429", async () => {
    rig = await startRig({ fleet: { ...recycleFleet(), rate_limit: 10 } });
    // Polls every simulated second (1 ms real at ×1000): six times what the limit allows.
    const r = await rig.play([...FAST, "-e", "recycle_poll_interval=0.001", "-v"]);
    expect(r.code, r.out).toBe(0);
    const actions = apiActions(rig.sim.shared.timeline);
    expect(actions.map((a) => a.subject)).toEqual(SSIS);
    expect(actions.every((a) => a.detail.action === "recycle")).toBe(true);
    for (const id of SSIS) expect(rig.sim.world.findSsi(id)!.state).toBe("ACTIVE");
    const stats = rig.sim.spotinstStats;
    // The per-route counters, for the record: the polls were paced, not refused.
    console.log("per-route requests:", stats.byRoute, "429s:", stats.throttledByRoute);
    expect(stats.throttledByRoute).toEqual({});
    expect(stats.earlyRetries).toBe(0);
    expect(stats.byRoute["GET /aws/ec2/group/{groupId}/statefulInstance"]).toBeGreaterThan(10);
    expect(r.out).not.toContain(TOKEN);
    expect(await rig.stateFiles()).not.toContain(TOKEN);
    // -v: one line per wait, naming the templated route.
    expect(r.out).toMatch(
      /spotinst: rate limited on GET \/aws\/ec2\/group\/\{id\}\/statefulInstance: waiting \d/,
    );
  });
});
