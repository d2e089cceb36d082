// Stateful instances walking their states over simulated time, seen through the HTTP API, real
// TCP connections to their listeners, and the shared timeline.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { act, call, KAFKA, listSsis, probe, startTestSim, statesOf, waitUntil, ZK } from "./helpers.js";

let sim: Simulator;
beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim?.close());

const ssiOf = async (group: string, id: string) => (await listSsis(sim, group)).find((s) => s.id === id)!;

describe("recycle", () => {
  it("replaces the instance: RECYCLING, then ACTIVE with a new id, launch time and address", async () => {
    const before = await ssiOf(KAFKA, "ssi-a0000001");
    const launchedBefore = (await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`)).json.response
      .items[0].launchedAt;
    expect(await probe(before.privateIp!, 19092)).toEqual({ open: true, data: "kafka ready\n" });

    const r = await act(sim, KAFKA, "ssi-a0000001", "recycle");
    expect(r.status).toBe(200);
    expect(r.json.response).toEqual({ status: { code: 200, message: "OK" } });
    expect(sim.shared.mutatingCalls.spotinst).toBe(1);

    // accept is 0 in the test fleet, so the very next read shows the action under way.
    expect((await ssiOf(KAFKA, "ssi-a0000001")).state).toBe("RECYCLING");
    await waitUntil(() => !sim.world.isListening("ssi-a0000001"), 2000, "listeners to close");
    expect((await probe(before.privateIp!, 19092)).open).toBe(false);

    await waitUntil(() => sim.world.isListening("ssi-a0000001"), 3000, "listeners to reopen");
    const after = (await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`)).json.response.items[0];
    expect(after.state).toBe("ACTIVE");
    expect(after.instanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(after.instanceId).not.toBe(before.instanceId);
    expect(after.privateIp).not.toBe(before.privateIp);
    expect(after.privateIp).toMatch(/^127\./);
    expect(Date.parse(after.launchedAt)).toBeGreaterThan(Date.parse(launchedBefore));

    // Real sockets on the new address, and nothing left on the old one.
    expect(await probe(after.privateIp, 19092)).toEqual({ open: true, data: "kafka ready\n" });
    const health = await fetch(`http://${after.privateIp}:18778/jolokia/`);
    expect(health.status).toBe(200);
    expect((await probe(before.privateIp!, 19092)).open).toBe(false);
    expect(statesOf(sim, "ssi-a0000001")).toEqual(["RECYCLING", "ACTIVE"]);
  });

  it("keeps the private IP when the group persists it, and the old image with root persistence", async () => {
    const before = await ssiOf(ZK, "ssi-b0000001");
    const image = sim.world.findSsi("ssi-b0000001")!.imageId;
    sim.world.setGroupImage(ZK, "ami-0123456789abcdef0");
    await act(sim, ZK, "ssi-b0000001", "recycle");
    await waitUntil(() => sim.world.findSsi("ssi-b0000001")?.state === "RECYCLING", 1000);
    await waitUntil(() => sim.world.isListening("ssi-b0000001"), 3000, "listeners to reopen");
    const after = await ssiOf(ZK, "ssi-b0000001");
    expect(after.privateIp).toBe(before.privateIp);
    expect(after.instanceId).not.toBe(before.instanceId);
    expect(sim.world.findSsi("ssi-b0000001")!.imageId).toBe(image);
    expect((await probe(after.privateIp!, 12181)).open).toBe(true);
  });

  it("picks up a new group image without root persistence", async () => {
    sim.world.setGroupImage(KAFKA, "ami-0123456789abcdef0");
    await act(sim, KAFKA, "ssi-a0000001", "recycle");
    await waitUntil(
      () => sim.world.findSsi("ssi-a0000001")?.imageId === "ami-0123456789abcdef0",
      3000,
      "new image",
    );
  });

  it("ends in ERROR with recycle_outcome: error, listeners staying closed", async () => {
    const before = await ssiOf(KAFKA, "ssi-a0000002");
    await act(sim, KAFKA, "ssi-a0000002", "recycle");
    await waitUntil(async () => (await ssiOf(KAFKA, "ssi-a0000002")).state === "ERROR", 3000, "ERROR");
    const after = await ssiOf(KAFKA, "ssi-a0000002");
    expect(after).toMatchObject({ instanceId: null, privateIp: null });
    expect(sim.world.isListening("ssi-a0000002")).toBe(false);
    expect((await probe(before.privateIp!, 19092)).open).toBe(false);
    // A failed SSI can be deallocated but not recycled again.
    expect((await act(sim, KAFKA, "ssi-a0000002", "recycle")).status).toBe(400);
  });

  it("comes back ACTIVE but never listening with never_healthy", async () => {
    expect(sim.world.isListening("ssi-a0000003")).toBe(true);
    await act(sim, KAFKA, "ssi-a0000003", "recycle");
    await waitUntil(async () => statesOf(sim, "ssi-a0000003").includes("ACTIVE"), 3000, "ACTIVE");
    const after = await ssiOf(KAFKA, "ssi-a0000003");
    expect(after.state).toBe("ACTIVE");
    // Well past the boot delay (20 simulated s = 20 ms here).
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.world.isListening("ssi-a0000003")).toBe(false);
    expect((await probe(after.privateIp!, 19092)).open).toBe(false);
  });

  it("stays RECYCLING forever with recycle_outcome: stuck", async () => {
    await act(sim, KAFKA, "ssi-a0000005", "recycle");
    await new Promise((r) => setTimeout(r, 400));
    expect(await ssiOf(KAFKA, "ssi-a0000005")).toMatchObject({ state: "RECYCLING", instanceId: null });
  });

  it("can be switched to fail at run time with setOutcome", async () => {
    sim.world.setOutcome("ssi-a0000001", { recycleOutcome: "error" });
    await act(sim, KAFKA, "ssi-a0000001", "recycle");
    await waitUntil(() => sim.world.findSsi("ssi-a0000001")?.state === "ERROR", 3000, "ERROR");
  });

  it("refuses a second action while one is in flight, and actions from the wrong state", async () => {
    await act(sim, KAFKA, "ssi-a0000001", "recycle");
    const again = await act(sim, KAFKA, "ssi-a0000001", "recycle");
    expect(again.status).toBe(400);
    expect(again.json.response.errors[0]).toMatchObject({
      code: "STATEFUL_INSTANCE_INVALID_STATE",
      message: expect.stringContaining("already in progress"),
    });
    const resume = await act(sim, KAFKA, "ssi-a0000006", "resume");
    expect(resume.status).toBe(400);
    expect(resume.json.response.errors[0].message).toMatch(/in state ACTIVE \(needs PAUSED\)/);
    expect(sim.shared.mutatingCalls.spotinst).toBe(1);
  });
});

describe("pause, resume, deallocate", () => {
  it("pauses (no instance, address released) and resumes on a new instance", async () => {
    const before = await ssiOf(KAFKA, "ssi-a0000001");
    await act(sim, KAFKA, "ssi-a0000001", "pause");
    expect((await ssiOf(KAFKA, "ssi-a0000001")).state).toBe("PAUSING");
    await waitUntil(async () => (await ssiOf(KAFKA, "ssi-a0000001")).state === "PAUSED", 3000, "PAUSED");
    expect(await ssiOf(KAFKA, "ssi-a0000001")).toMatchObject({ instanceId: null, privateIp: null });
    expect(sim.world.isListening("ssi-a0000001")).toBe(false);

    await act(sim, KAFKA, "ssi-a0000001", "resume");
    expect((await ssiOf(KAFKA, "ssi-a0000001")).state).toBe("RESUMING");
    await waitUntil(() => sim.world.isListening("ssi-a0000001"), 3000, "listeners");
    const after = await ssiOf(KAFKA, "ssi-a0000001");
    expect(after.state).toBe("ACTIVE");
    expect(after.instanceId).not.toBe(before.instanceId);
    expect((await probe(after.privateIp!, 19092)).open).toBe(true);
    expect(statesOf(sim, "ssi-a0000001")).toEqual(["PAUSING", "PAUSED", "RESUMING", "ACTIVE"]);
  });

  it("resumes a paused SSI on its persisted address", async () => {
    const before = await ssiOf(ZK, "ssi-b0000002");
    await act(sim, ZK, "ssi-b0000002", "resume");
    await waitUntil(() => sim.world.isListening("ssi-b0000002"), 3000, "listeners");
    expect((await ssiOf(ZK, "ssi-b0000002")).privateIp).toBe(before.privateIp);
  });

  it("deallocates: DEALLOCATING then DEALLOCATED, nothing left", async () => {
    await act(sim, KAFKA, "ssi-a0000004", "deallocate");
    await waitUntil(() => sim.world.findSsi("ssi-a0000004")?.state === "DEALLOCATED", 3000, "DEALLOCATED");
    const items = (await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`)).json.response.items;
    expect(items[3]).toMatchObject({ state: "DEALLOCATED", instanceId: null, privateIp: null, devices: [] });
    expect(statesOf(sim, "ssi-a0000004")).toEqual(["DEALLOCATING", "DEALLOCATED"]);
  });
});

describe("timeline", () => {
  it("records a serial roll so overlap and exactly-once can be checked", async () => {
    const ids = ["ssi-a0000001", "ssi-a0000006"];
    for (const id of ids) {
      await act(sim, KAFKA, id, "recycle");
      await waitUntil(
        () => sim.world.findSsi(id)?.state === "ACTIVE" && statesOf(sim, id).length === 2,
        3000,
      );
    }
    const tl = sim.shared.timeline;
    const actions = tl.filter((e) => e.type === "action");
    expect(actions.map((e) => e.subject)).toEqual(ids);
    expect(actions.every((e) => e.detail.source === "api" && e.detail.groupId === KAFKA)).toBe(true);
    // Never two out at once: walk the state events and count SSIs away from ACTIVE.
    let out = 0;
    let maxOut = 0;
    for (const e of tl.filter((x) => x.type === "state")) {
      out += e.detail.to === "ACTIVE" ? -1 : e.detail.from === "ACTIVE" ? 1 : 0;
      maxOut = Math.max(maxOut, out);
    }
    expect(maxOut).toBe(1);
    expect(tl.map((e) => e.at)).toEqual([...tl.map((e) => e.at)].sort((a, b) => a - b));
    const closes = tl.filter((e) => e.type === "listen-close" && e.subject === "ssi-a0000001");
    expect(closes.map((e) => e.detail.port).sort()).toEqual([18778, 19092]);
  });

  it("records an out-of-band recycle without counting it as our call", async () => {
    sim.world.recycleOutOfBand("ssi-a0000001");
    await waitUntil(() => statesOf(sim, "ssi-a0000001").join() === "RECYCLING,ACTIVE", 3000);
    const action = sim.shared.timeline.find((e) => e.type === "action");
    expect(action?.detail.source).toBe("out-of-band");
    expect(sim.shared.mutatingCalls.spotinst).toBe(0);
    expect(() => sim.world.recycleOutOfBand("ssi-a0000004")).toThrow(/PAUSED/);
  });
});

describe("close", () => {
  it("stops mid-recycle without leaving listeners or timers behind", async () => {
    const ip = (await ssiOf(KAFKA, "ssi-a0000006")).privateIp!;
    await act(sim, KAFKA, "ssi-a0000001", "recycle");
    await sim.close();
    expect((await probe(ip, 19092)).open).toBe(false);
    const events = sim.shared.timeline.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.shared.timeline.length).toBe(events);
  });
});
