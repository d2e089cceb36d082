// Pacing by Spot's rate-limit headers: the real client against the simulator's limiter (a sliding
// 60 s window per organisation × route × method), plus the pure parts of the pacer.
import { afterEach, describe, expect, it } from "vitest";
import {
  createSpotinstApi,
  describeRateLimitWait,
  type RateLimitWait,
} from "../../src/cloud/spotinst/api.js";
import {
  createPacer,
  fallbackBackoff,
  formatSeconds,
  padReset,
  readRateLimitHeaders,
} from "../../src/cloud/spotinst/rate-limit.js";
import { generateFleet, type Simulator, startSimulator } from "../../src/sim/index.js";

const SSI_ROUTE = "GET /aws/ec2/group/{groupId}/statefulInstance";
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(rateLimit: number, timeScale: number, groups = 10) {
  const fleet = generateFleet({ groups, instancesPerGroup: 1, nonStatefulEvery: 0 });
  sim = await startSimulator({ fleet, rateLimit, timeScale, logRequests: true });
  return sim;
}

function clientOf(s: Simulator, waits: RateLimitWait[], concurrency = 8) {
  return createSpotinstApi({
    baseUrl: s.spotinstUrl,
    credentials: { token: s.env.SPOTINST_API_TOKEN!, accountId: s.env.SPOTINST_ACCOUNT_ID! },
    concurrency,
    onRateLimitWait: (w) => waits.push(w),
  });
}

/** Simulated ms between the first and the last request the simulator answered with 200. */
function acceptedSpan(s: Simulator): number {
  const ok = s.shared.timeline.filter((e) => e.type === "request" && e.detail.status === 200);
  return ok.at(-1)!.at - ok[0]!.at;
}

describe("spotinst client: pacing by X-RateLimit-*", () => {
  it("spreads 30 calls on one templated route over three windows of 10, with no 429", async () => {
    // ×60: a window is a real second, so request handling on a busy machine is small beside it.
    const s = await start(10, 60);
    const waits: RateLimitWait[] = [];
    const api = clientOf(s, waits);
    const ids = s.world.accounts[0]!.groups.map((g) => g.id);
    const lists = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api.listStatefulInstances(ids[i % 10]!)),
    );
    expect(lists.every((l) => l.length === 1)).toBe(true);
    expect(s.spotinstStats.byRoute[SSI_ROUTE]).toBe(30);
    expect(s.spotinstStats.throttledByRoute).toEqual({});
    expect(s.spotinstStats.earlyRetries).toBe(0);
    // Requests 11 and 21 had to wait for the window: at least two full windows in between.
    expect(acceptedSpan(s)).toBeGreaterThanOrEqual(120_000);
    expect(acceptedSpan(s)).toBeLessThan(3 * 60_000);
    // One line per wait, named by the templated route, not per waiting request.
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(waits.length).toBeLessThan(10);
    for (const w of waits)
      expect(w).toMatchObject({
        route: "GET /aws/ec2/group/{id}/statefulInstance",
        reason: "limit",
        limit: 10,
      });
  });

  it("shares one budget between two clients of the same URL and token", async () => {
    const s = await start(6, 300, 6);
    const waits: RateLimitWait[] = [];
    const a = clientOf(s, waits, 4);
    const b = clientOf(s, waits, 4);
    const ids = s.world.accounts[0]!.groups.map((g) => g.id);
    await Promise.all(ids.flatMap((id) => [a.listStatefulInstances(id), b.listStatefulInstances(id)]));
    expect(s.spotinstStats.byRoute[SSI_ROUTE]).toBe(12);
    expect(s.spotinstStats.throttledByRoute).toEqual({});
  });

  it("keeps routes apart: a spent statefulInstance budget does not hold up /status", async () => {
    const s = await start(3, 300, 3);
    const waits: RateLimitWait[] = [];
    const api = clientOf(s, waits);
    const ids = s.world.accounts[0]!.groups.map((g) => g.id);
    await Promise.all(ids.map((id) => api.listStatefulInstances(id)));
    await Promise.all(ids.map((id) => api.getGroupStatus(id)));
    // The status route still had its whole budget: no wait was announced for it (or at all).
    expect(waits).toEqual([]);
  });
});

describe("pacer arithmetic", () => {
  it("a block that passed while a request waited for an answer still lets one go at once", async () => {
    const pacer = createPacer();
    const route = "GET /aws/ec2/group/{groupId}/statefulInstance";
    const o = { deadlineAt: Date.now() + 120_000 };
    const ok = (remaining: number) => ({
      answered: true,
      headers: { limit: 60, remaining },
      throttled: false,
    });
    pacer.settle(await pacer.acquire(route, o), ok(50)); // learn the budget
    const a = await pacer.acquire(route, o);
    const b = await pacer.acquire(route, o);
    // a: 429 with a tiny Reset; b still out.
    pacer.settle(a, { answered: true, headers: { limit: 60, remaining: 0, resetMs: 1 }, throttled: true });
    await new Promise((r) => setTimeout(r, 30)); // the block passes while b is still out
    const started = performance.now();
    const d = pacer.acquire(route, o); // not blocked, no budget, b in flight: waits for b's answer
    pacer.settle(b, ok(40));
    // It used to find no budget, nothing in flight and no block, and back off 5 s (up to 60 s).
    pacer.settle(await d, ok(39));
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("reads the three headers, whole or fractional seconds", () => {
    const h = (m: Record<string, string>) => readRateLimitHeaders((n) => m[n]);
    expect(h({ "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "37" })).toEqual(
      {
        limit: 60,
        remaining: 0,
        resetMs: 37_000,
        resetIsWhole: true,
      },
    );
    expect(h({ "x-ratelimit-reset": "0.062" })).toEqual({ resetMs: 62, resetIsWhole: false });
    expect(h({ "x-ratelimit-reset": "soon" })).toBeUndefined();
    expect(h({})).toBeUndefined();
  });

  it("never waits less than Reset; a whole number gets a second more", () => {
    expect(padReset(37_000, true, () => 0)).toBe(Math.ceil(37_000 * 1.02 + 5 + 1000));
    expect(padReset(37_000, true, () => 1)).toBe(Math.ceil(37_000 * 1.1 + 5 + 1000));
    expect(padReset(62, false, () => 0)).toBeGreaterThanOrEqual(62 + 5);
  });

  it("backs off from 5 s, doubling to Spot's 60 s window, when a 429 names no Reset", () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => fallbackBackoff(n, () => 0))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
    expect(fallbackBackoff(1, () => 1)).toBe(6_000);
  });

  it("words the -v line as the route template and seconds", () => {
    expect(
      describeRateLimitWait({
        route: "GET /aws/ec2/group/{id}/statefulInstance",
        waitMs: 37_000,
        reason: "limit",
      }),
    ).toBe("rate limited on GET /aws/ec2/group/{id}/statefulInstance: waiting 37 s");
    expect(formatSeconds(4_520)).toBe("4.5 s");
    expect(formatSeconds(62)).toBe("0.062 s");
  });
});
