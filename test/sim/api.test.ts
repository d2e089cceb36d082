// The fake's HTTP surface: envelope shapes, auth and account checks, 404s, stats.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { call, KAFKA, OTHER_TOKEN, startTestSim, TOKEN, WORKERS, ZK } from "./helpers.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim?.close());

describe("envelope", () => {
  it("lists groups with request info, status, kind, items and count", async () => {
    const r = await call(sim, "/aws/ec2/group");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    const { request, response } = r.json;
    expect(request).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: "/aws/ec2/group?accountId=act-11111111",
      method: "GET",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(response.status).toEqual({ code: 200, message: "OK" });
    expect(response.kind).toBe("spotinst:aws:ec2:group");
    expect(response.count).toBe(3);
    expect(response.items.map((g: { id: string }) => g.id)).toEqual([KAFKA, ZK, WORKERS]);
    expect(response.errors).toBeUndefined();
  });

  it("renders a group like the real API: tags as tagKey/tagValue, persistence under strategy", async () => {
    const r = await call(sim, `/aws/ec2/group/${ZK}`);
    expect(r.json.response.count).toBe(1);
    const [group] = r.json.response.items;
    expect(group).toMatchObject({
      id: ZK,
      name: "zk-test",
      region: "us-east-1",
      capacity: { minimum: 0, target: 2 },
      strategy: { persistence: { shouldPersistPrivateIp: true, shouldPersistRootDevice: true } },
      compute: {
        launchSpecification: { imageId: expect.stringMatching(/^ami-[0-9a-f]{17}$/), tags: [] },
        availabilityZones: [{ name: "us-east-1a", subnetIds: [expect.stringMatching(/^subnet-/)] }],
      },
    });
    const kafka = (await call(sim, `/aws/ec2/group/${KAFKA}`)).json.response.items[0];
    expect(kafka.compute.launchSpecification.tags).toEqual([
      { tagKey: "env", tagValue: "test" },
      { tagKey: "service", tagValue: "kafka" },
    ]);
    const workers = (await call(sim, `/aws/ec2/group/${WORKERS}`)).json.response.items[0];
    expect(workers.strategy.persistence).toBeUndefined();
  });

  it("lists stateful instances with the SSI fields", async () => {
    const r = await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`);
    expect(r.json.response.kind).toBe("spotinst:aws:ec2:group:statefulInstance");
    const items = r.json.response.items;
    expect(items).toHaveLength(6);
    expect(items[0]).toEqual({
      id: "ssi-a0000001",
      instanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
      privateIp: expect.stringMatching(/^127\.\d+\.\d+\.\d+$/),
      imageId: expect.stringMatching(/^ami-/),
      state: "ACTIVE",
      devices: [
        { deviceName: "/dev/xvda", volumeId: expect.stringMatching(/^vol-/), snapshotId: expect.any(String) },
      ],
      launchedAt: expect.any(String),
      createdAt: expect.any(String),
    });
    // A paused SSI has no instance and, without IP persistence, no address.
    expect(items[3]).toMatchObject({
      id: "ssi-a0000004",
      state: "PAUSED",
      instanceId: null,
      privateIp: null,
    });
    // Oldest first in fleet order, so oldest_first plays have something to sort.
    expect(Date.parse(items[0].launchedAt)).toBeLessThan(Date.parse(items[2].launchedAt));
  });

  it("keeps a paused SSI's address when the group persists private IPs", async () => {
    const items = (await call(sim, `/aws/ec2/group/${ZK}/statefulInstance`)).json.response.items;
    expect(items[1]).toMatchObject({
      state: "PAUSED",
      instanceId: null,
      privateIp: expect.stringMatching(/^127\./),
    });
  });

  it("answers 200 with no items for a non-stateful group's statefulInstance list", async () => {
    const r = await call(sim, `/aws/ec2/group/${WORKERS}/statefulInstance`);
    expect(r.status).toBe(200);
    expect(r.json.response.items).toEqual([]);
    expect(r.json.response.count).toBe(0);
  });

  it("lists running instances of any group under /status", async () => {
    const workers = (await call(sim, `/aws/ec2/group/${WORKERS}/status`)).json.response.items;
    expect(workers).toHaveLength(2);
    expect(workers[0]).toMatchObject({
      instanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
      spotInstanceRequestId: expect.stringMatching(/^sir-/),
      groupId: WORKERS,
      privateIp: expect.stringMatching(/^127\./),
      status: "fulfilled",
    });
    // Stateful groups list only SSIs that have an instance (not the PAUSED one).
    const kafka = (await call(sim, `/aws/ec2/group/${KAFKA}/status`)).json.response.items;
    expect(kafka).toHaveLength(5);
  });

  it("sends the three X-RateLimit-* headers (the window itself: rate-limit.test.ts)", async () => {
    const r = await call(sim, `/aws/ec2/group/${KAFKA}/status`);
    expect(r.headers.get("x-ratelimit-limit")).toBe("1000");
    expect(Number(r.headers.get("x-ratelimit-remaining"))).toBeLessThan(1000);
    expect(r.headers.get("x-ratelimit-reset")).toBe("0");
  });
});

describe("auth and accounts", () => {
  it("answers 401 in the envelope without a token, and never echoes a wrong one", async () => {
    const none = await call(sim, "/aws/ec2/group", { token: null });
    expect(none.status).toBe(401);
    expect(none.json.response.status.code).toBe(401);
    expect(none.json.response.errors[0]).toMatchObject({ code: "UNAUTHORIZED" });

    const wrong = await call(sim, "/aws/ec2/group", { token: "definitely-not-a-valid-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain("definitely-not-a-valid-token");
    const right = await call(sim, "/aws/ec2/group");
    expect(right.text).not.toContain(TOKEN);
  });

  it("answers 403 for an unknown account or one the token cannot open", async () => {
    const unknown = await call(sim, "/aws/ec2/group", { accountId: "act-99999999" });
    expect(unknown.status).toBe(403);
    expect(unknown.json.response.errors[0].code).toBe("FORBIDDEN");
    const foreign = await call(sim, "/aws/ec2/group", { accountId: "act-22222222" });
    expect(foreign.status).toBe(403);
    const theirs = await call(sim, "/aws/ec2/group", { accountId: "act-22222222", token: OTHER_TOKEN });
    expect(theirs.json.response.items.map((g: { id: string }) => g.id)).toEqual(["sig-dddd0001"]);
  });

  it("scopes groups to the account: another account's group is a 404", async () => {
    const r = await call(sim, "/aws/ec2/group/sig-eeee0001");
    expect(r.status).toBe(404);
    const ok = await call(sim, "/aws/ec2/group/sig-eeee0001", { accountId: "act-33333333" });
    expect(ok.status).toBe(200);
  });

  it("falls back to the organisation's first account without accountId, and counts it", async () => {
    const before = sim.spotinstStats.withoutAccountId;
    const r = await call(sim, "/aws/ec2/group", { accountId: null });
    expect(r.status).toBe(200);
    expect(r.json.response.items).toHaveLength(3);
    expect(r.json.request.url).toBe("/aws/ec2/group");
    expect(sim.spotinstStats.withoutAccountId).toBe(before + 1);
  });
});

describe("not found", () => {
  it("answers GROUP_DOESNT_EXIST for an unknown group", async () => {
    for (const path of ["", "/status", "/statefulInstance", "/statefulInstance/ssi-a0000001/recycle"]) {
      const r = await call(sim, `/aws/ec2/group/sig-00000000${path}`, {
        method: path.endsWith("recycle") ? "PUT" : "GET",
      });
      expect(r.status, path).toBe(404);
      expect(r.json.response.errors[0].code).toBe("GROUP_DOESNT_EXIST");
    }
  });

  it("answers 404 for an unknown path and 405 for a wrong method, both in the envelope", async () => {
    const path = await call(sim, "/v9/aws/ec2/group");
    expect(path.status).toBe(404);
    expect(path.json.response.errors[0].code).toBe("ROUTE_NOT_FOUND");
    const method = await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance/ssi-a0000001/recycle`, {
      method: "POST",
    });
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("PUT");
  });

  it("answers 404 for an unknown stateful instance", async () => {
    const r = await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance/ssi-ffffffff/recycle`, {
      method: "PUT",
    });
    expect(r.status).toBe(404);
    expect(r.json.response.errors[0].code).toBe("STATEFUL_INSTANCE_DOESNT_EXIST");
  });

  it("counts requests per templated route", () => {
    expect(sim.spotinstStats.byRoute["GET /aws/ec2/group/{groupId}/statefulInstance"]).toBeGreaterThan(0);
    expect(sim.spotinstStats.requests).toBeGreaterThan(10);
  });
});
