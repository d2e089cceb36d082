// The simulator's rate limiter as Spot documents it: a sliding 60 s window per organisation ×
// route template × method, the three headers on every answer, the 429 body, and a retry before
// the Reset restarting the clock. Raw HTTP, so what is checked is exactly what a client receives.
import { afterEach, describe, expect, it } from "vitest";
import { parseFleet } from "../../src/sim/fleet.js";
import type { Simulator } from "../../src/sim/index.js";
import { createRateLimiter, formatReset, WINDOW_MS } from "../../src/sim/spotinst/rate-limit.js";
import { act, call, KAFKA, OTHER_TOKEN, startTestSim, ZK } from "./helpers.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ROUTE = "GET /aws/ec2/group/{groupId}/statefulInstance";

describe("the limiter (simulated time)", () => {
  it("follows Spot's worked example: limit 3, requests at 0:05 0:10 0:15 pass, 0:20 is blocked, 1:07 passes", () => {
    const limiter = createRateLimiter({ default: 3, routes: {} });
    const at = (s: number) => s * 1000;
    expect([5, 10, 15].map((s) => limiter.admit("org\nr", ROUTE, at(s), at(s)).allowed)).toEqual([
      true,
      true,
      true,
    ]);
    const blocked = limiter.admit("org\nr", ROUTE, at(20), at(20));
    expect(blocked).toMatchObject({ allowed: false, remaining: 0, resetMs: at(45), early: false });
    expect(limiter.admit("org\nr", ROUTE, at(67), at(67))).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("restarts the clock for a request sent after a 429 and before its Reset", () => {
    const limiter = createRateLimiter({ default: 1, routes: {} });
    expect(limiter.admit("b", ROUTE, 0, 0).allowed).toBe(true);
    expect(limiter.admit("b", ROUTE, 1_000, 1_000)).toMatchObject({ allowed: false, resetMs: 59_000 });
    // Too early: blocked again, and now for a whole window from this request.
    expect(limiter.admit("b", ROUTE, 30_000, 30_000)).toMatchObject({
      allowed: false,
      early: true,
      resetMs: WINDOW_MS,
    });
    // The first Reset (60 s) has passed, the penalty (90 s) has not.
    expect(limiter.admit("b", ROUTE, 61_000, 61_000)).toMatchObject({ allowed: false, early: true });
    // Only a client that waits out the last Reset it was told gets through.
    expect(limiter.admit("b", ROUTE, 121_000, 121_000).allowed).toBe(true);
  });

  it("does not punish a request that was already on its way when the 429 went out", () => {
    const limiter = createRateLimiter({ default: 1, routes: {} });
    limiter.admit("b", ROUTE, 0, 0);
    limiter.admit("b", ROUTE, 1_000, 1_000); // the 429
    expect(limiter.admit("b", ROUTE, 999, 1_002)).toMatchObject({
      allowed: false,
      early: false,
      resetMs: 58_998,
    });
  });

  it("states Reset in wall-clock seconds: whole at scale 1, scaled with milliseconds otherwise", () => {
    expect(formatReset(37_000, 1)).toBe("37");
    expect(formatReset(36_200, 1)).toBe("37");
    expect(formatReset(0, 60)).toBe("0");
    expect(formatReset(60_000, 60)).toBe("1");
    expect(formatReset(37_000, 1000)).toBe("0.037");
    expect(formatReset(1, 1000)).toBe("0.001");
  });
});

describe("the limiter over HTTP", () => {
  it("counts per organisation × route template × method, across groups, and says so in three headers", async () => {
    sim = await startTestSim({ rateLimit: 3, timeScale: 1 });
    const ssiList = (group: string, token?: string) =>
      call(sim!, `/aws/ec2/group/${group}/statefulInstance`, token ? { token, accountId: null } : {});
    const answers = [await ssiList(KAFKA), await ssiList(ZK), await ssiList(KAFKA)];
    expect(answers.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["2", "1", "0"]);
    expect(answers.map((r) => r.headers.get("x-ratelimit-limit"))).toEqual(["3", "3", "3"]);
    // Remaining 0: the next one is allowed when the first of the window expires (time scale 1: whole seconds).
    expect(answers[2]!.headers.get("x-ratelimit-reset")).toBe("60");
    expect(answers[0]!.headers.get("x-ratelimit-reset")).toBe("0");
    const blocked = await ssiList(ZK);
    expect(blocked.status).toBe(429);
    expect(blocked.json.response).toEqual({
      status: { code: 429, message: "Too Many Requests" },
      data: "Rate limit exceeded",
    });
    // Another route, another method, another organisation: their own budgets.
    expect((await call(sim, `/aws/ec2/group/${KAFKA}/status`)).status).toBe(200);
    expect((await act(sim, KAFKA, "ssi-a0000001", "recycle")).status).toBe(200);
    expect((await ssiList("sig-dddd0001", OTHER_TOKEN)).status).toBe(200);
    expect(sim.spotinstStats.byRoute[ROUTE]).toBe(5);
    expect(sim.spotinstStats.throttledByRoute).toEqual({ [ROUTE]: 1 });
    expect(sim.spotinstStats.earlyRetries).toBe(0);
  });

  it("counts a retry before the Reset as early and blocks the route for another window", async () => {
    sim = await startTestSim({ rateLimit: 1, timeScale: 1 });
    expect((await call(sim, "/aws/ec2/group")).status).toBe(200);
    const first = await call(sim, "/aws/ec2/group");
    expect(first.status).toBe(429);
    const again = await call(sim, "/aws/ec2/group");
    expect(again.status).toBe(429);
    expect(again.headers.get("x-ratelimit-reset")).toBe("60");
    expect(sim.spotinstStats.earlyRetries).toBe(1);
  });

  it("takes per-route limits from the fleet file, and --rate-limit only changes the default", async () => {
    const parsed = parseFleet(
      [
        "rate_limit:",
        "  default: 50",
        "  routes:",
        `    "${ROUTE}": 2`,
        "accounts:",
        "  - id: act-11111111",
        "    token: test-token-org-one",
        "    groups: [{ id: sig-aaaa0001, name: kafka, count: 1 }]",
      ].join("\n"),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    sim = await startTestSim({ fleet: parsed.value, rateLimit: 7 });
    const r = await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`);
    expect(r.headers.get("x-ratelimit-limit")).toBe("2");
    expect((await call(sim, "/aws/ec2/group")).headers.get("x-ratelimit-limit")).toBe("7");
  });

  it("rejects a rate_limit route that is not one of the simulator's, naming the ones it has", () => {
    const parsed = parseFleet(
      'rate_limit:\n  routes:\n    "GET /aws/ec2/group/{id}/statefulInstance": 2\naccounts:\n  - id: act-11111111\n    token: test-token-org-one\n',
      "fleet.yml",
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.issues[0]?.message).toMatch(
        /expected one of: GET \/aws\/ec2\/group, GET \/aws\/ec2\/group\/\{groupId\},/,
      );
      expect(parsed.issues[0]?.at).toMatchObject({ file: "fleet.yml", line: 3 });
    }
  });
});
