// Faults as a client sees them: 429 in Spot's shape, 5xx envelopes and a proxy's HTML page,
// requests that never get an answer, and added latency.
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { faultReply } from "../../src/sim/spotinst/envelope.js";
import { act, call, KAFKA, startTestSim } from "./helpers.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("injected faults", () => {
  it("throttles with Spot's documented 429: rate-limit headers, data string, no errors[]", async () => {
    sim = await startTestSim();
    sim.shared.faults.inject("throttle", 1, "/statefulInstance");
    const r = await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`);
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBeNull();
    expect(r.headers.get("x-ratelimit-limit")).toBe("1000");
    expect(r.headers.get("x-ratelimit-remaining")).toBe("0");
    // The first injected throttle blocks its route for 3 simulated s: 0.003 s at time scale 1000.
    expect(r.headers.get("x-ratelimit-reset")).toBe("0.003");
    expect(r.json.response).toEqual({
      status: { code: 429, message: "Too Many Requests" },
      data: "Rate limit exceeded",
    });
    expect(r.json.request.id).toBeTruthy();
    expect(sim.spotinstStats.faults.throttle).toBe(1);
    expect(sim.spotinstStats.throttledByRoute).toEqual({
      "GET /aws/ec2/group/{groupId}/statefulInstance": 1,
    });
  });

  it("fails with a 5xx envelope, before auth (the gateway fails, not the API)", async () => {
    sim = await startTestSim();
    sim.shared.faults.inject("server-error", 1);
    const r = await call(sim, "/aws/ec2/group", { token: null });
    expect([500, 502, 503]).toContain(r.status);
    if (r.status !== 502)
      expect(r.json.response.errors[0].code).toMatch(/INTERNAL_SERVER_ERROR|SERVICE_UNAVAILABLE/);
  });

  it("does not start an action whose PUT failed", async () => {
    sim = await startTestSim();
    sim.shared.faults.inject("throttle", 1, "recycle");
    expect((await act(sim, KAFKA, "ssi-a0000001", "recycle")).status).toBe(429);
    expect(sim.world.findSsi("ssi-a0000001")?.state).toBe("ACTIVE");
    expect(sim.shared.mutatingCalls.spotinst).toBe(0);
  });

  it("never answers a hung request; a client with a timeout gives up", async () => {
    sim = await startTestSim();
    sim.shared.faults.inject("hang", 1);
    const started = Date.now();
    await expect(call(sim, "/aws/ec2/group", { signal: AbortSignal.timeout(200) })).rejects.toThrow(
      /abort|timeout/i,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sim.spotinstStats.faults.hang).toBe(1);
    expect((await call(sim, "/aws/ec2/group")).status).toBe(200);
  });

  it("closes promptly while a request hangs", async () => {
    sim = await startTestSim();
    sim.shared.faults.inject("hang", 1);
    const hung = call(sim, "/aws/ec2/group").catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
  });
});

describe("random faults", () => {
  it("mixes 429s and 5xx at faultRate 1, including a non-JSON 502 now and then", async () => {
    sim = await startTestSim({ faultRate: 1, seed: 3 });
    const statuses = new Set<number>();
    let html = "";
    for (let i = 0; i < 60; i++) {
      const r = await call(sim, "/aws/ec2/group");
      statuses.add(r.status);
      if (r.status === 502) html = r.text;
    }
    expect([...statuses].sort()).toEqual([429, 500, 502, 503]);
    expect(html).toMatch(/^<html>/);
    expect(() => JSON.parse(html)).toThrow();
  });

  it("renders a 502 as the HTML page a proxy would send", () => {
    const info = { id: "x", url: "/", method: "GET", timestamp: "" };
    const reply = faultReply(info, { kind: "server-error", status: 502 });
    expect(reply.status).toBe(502);
    expect(reply.headers?.["content-type"]).toBe("text/html");
    expect(typeof reply.body).toBe("string");
  });

  it("hangs about hangRate of the requests", async () => {
    sim = await startTestSim({ hangRate: 0.5, seed: 5 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(sim!, "/aws/ec2/group", { signal: AbortSignal.timeout(300) }).then(
          () => "answered",
          () => "hung",
        ),
      ),
    );
    const hung = results.filter((r) => r === "hung").length;
    expect(hung).toBeGreaterThan(3);
    expect(hung).toBeLessThan(17);
  });
});

describe("latency", () => {
  it("delays every answer by latencyMs", async () => {
    sim = await startTestSim({ latencyMs: 80 });
    const started = performance.now();
    expect((await call(sim, "/aws/ec2/group")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});
