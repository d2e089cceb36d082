// The contract between the simulator and Spot's API: every kind of answer the fake gives, checked
// against the field names and types of Spot's API as its reference documents them (the envelope,
// a group, a /status item, a stateful instance, an error, the 429). The schemas below are written
// from that documentation, not from src/sim/spotinst/wire.ts or the client's types, and they are
// strict: a field the fake misnames or invents fails here instead of being learnt by the client.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { fleetSchema } from "../../src/sim/fleet.js";
import type { Simulator } from "../../src/sim/index.js";
import {
  act,
  call,
  KAFKA,
  type RawResponse,
  startTestSim,
  TEST_FLEET,
  WORKERS,
  waitUntil,
  ZK,
} from "./helpers.js";

const iso = z.iso.datetime({ offset: false });
const request = z.strictObject({
  id: z.string().min(1),
  url: z.string().startsWith("/"),
  method: z.enum(["GET", "PUT"]),
  timestamp: iso,
});
const status = (code?: number) =>
  z.strictObject({ code: code === undefined ? z.int() : z.literal(code), message: z.string().min(1) });

// §2 "Group fields": id, name, description, region, capacity, strategy.persistence, compute.
const group = z.strictObject({
  id: z.string().regex(/^sig-/),
  name: z.string(),
  description: z.string().optional(),
  region: z.string(),
  capacity: z.strictObject({ minimum: z.int(), maximum: z.int(), target: z.int(), unit: z.string() }),
  strategy: z.strictObject({
    persistence: z
      .strictObject({
        shouldPersistPrivateIp: z.boolean(),
        shouldPersistRootDevice: z.boolean(),
        shouldPersistBlockDevices: z.boolean(),
        blockDevicesMode: z.enum(["reattach", "onLaunch"]),
      })
      .optional(),
  }),
  compute: z.strictObject({
    launchSpecification: z.strictObject({
      imageId: z.string().regex(/^ami-/),
      tags: z.array(z.strictObject({ tagKey: z.string(), tagValue: z.string() })),
    }),
    availabilityZones: z.array(z.strictObject({ name: z.string(), subnetIds: z.array(z.string()) })),
  }),
  createdAt: iso,
  updatedAt: iso,
});

// §2 "Group instances": the items of GET …/status.
const statusItem = z.strictObject({
  instanceId: z.string().regex(/^i-/),
  spotInstanceRequestId: z.string().nullable(),
  instanceType: z.string(),
  product: z.string(),
  groupId: z.string().regex(/^sig-/),
  availabilityZone: z.string(),
  privateIp: z.string().nullable(),
  publicIp: z.string().nullable(),
  createdAt: iso,
  status: z.string(),
  lockStatus: z.string().nullable(),
  protectedUntil: z.string().nullable(),
});

// §0.4 / §3: the stateful instance and its twelve states.
const ssi = z.strictObject({
  id: z.string().regex(/^ssi-/),
  instanceId: z.string().regex(/^i-/).nullable(),
  privateIp: z.string().nullable(),
  imageId: z.string().regex(/^ami-/),
  state: z.enum([
    "ACTIVE",
    "PAUSE",
    "PAUSING",
    "PAUSED",
    "RESUME",
    "RESUMING",
    "RECYCLE",
    "RECYCLING",
    "DEALLOCATE",
    "DEALLOCATING",
    "DEALLOCATED",
    "ERROR",
  ]),
  devices: z.array(
    z.strictObject({
      deviceName: z.string(),
      volumeId: z.string().regex(/^vol-/),
      snapshotId: z.string().regex(/^snap-/),
    }),
  ),
  launchedAt: iso.nullable(),
  createdAt: iso,
});

const list = <T extends z.ZodType>(item: T) =>
  z
    .strictObject({
      request,
      response: z.strictObject({
        status: status(200),
        kind: z.string(),
        items: z.array(item),
        count: z.int(),
      }),
    })
    .refine((e) => e.response.count === e.response.items.length, "count must equal items.length");
const action = z.strictObject({ request, response: z.strictObject({ status: status(200) }) });
const error = z.strictObject({
  request,
  response: z.strictObject({
    status: status(),
    errors: z
      .array(
        z.strictObject({ code: z.string().min(1), message: z.string().min(1), field: z.string().optional() }),
      )
      .min(1),
  }),
});
// §1.3: Spot's 429, `data` and no `errors[]`.
const rateLimited = z.strictObject({
  request,
  response: z.strictObject({
    status: z.strictObject({ code: z.literal(429), message: z.literal("Too Many Requests") }),
    data: z.literal("Rate limit exceeded"),
  }),
});

/** §1.3: the three headers, on every answer that reached the API behind the gateway. */
function expectRateLimitHeaders(r: RawResponse) {
  expect(r.headers.get("x-ratelimit-limit")).toMatch(/^\d+$/);
  expect(r.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
  expect(r.headers.get("x-ratelimit-reset")).toMatch(/^\d+(\.\d+)?$/);
  expect(r.headers.get("retry-after")).toBeNull();
}

function conforms(schema: z.ZodType, r: RawResponse, where: string) {
  const parsed = schema.safeParse(r.json);
  if (!parsed.success) throw new Error(`${where}: ${z.prettifyError(parsed.error)}`);
  if (r.json?.response?.status?.code !== undefined) expect(r.json.response.status.code, where).toBe(r.status);
}

const LONG_WALK = {
  ...TEST_FLEET,
  accounts: TEST_FLEET.accounts.map((a, i) =>
    i === 0
      ? {
          ...a,
          groups: a.groups!.map((g) =>
            g.id === KAFKA
              ? {
                  ...g,
                  state_walk: "long" as const,
                  timings: { accept: 50, recycle: { stop: 50, paused: 50, start: 50 } },
                }
              : g,
          ),
        }
      : a,
  ),
};

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("the simulator answers as Spot's API is documented", () => {
  it("lists groups, a group, /status of stateful and plain groups", async () => {
    sim = await startTestSim();
    const answers: [string, z.ZodType, RawResponse][] = [
      ["GET /aws/ec2/group", list(group), await call(sim, "/aws/ec2/group")],
      ["GET /aws/ec2/group/{id}", list(group), await call(sim, `/aws/ec2/group/${ZK}`)],
      ["GET …/status stateful", list(statusItem), await call(sim, `/aws/ec2/group/${KAFKA}/status`)],
      ["GET …/status plain", list(statusItem), await call(sim, `/aws/ec2/group/${WORKERS}/status`)],
      [
        "GET …/statefulInstance plain",
        list(ssi),
        await call(sim, `/aws/ec2/group/${WORKERS}/statefulInstance`),
      ],
    ];
    for (const [where, schema, r] of answers) {
      conforms(schema, r, where);
      expectRateLimitHeaders(r);
    }
    expect(answers[0]![2].json.response.items.length).toBeGreaterThan(2);
  });

  it("gives stateful instances in every state of the long walk the documented shape", async () => {
    // ×100: each state lasts half a real second, long enough for a poll to land in it on a busy machine.
    sim = await startTestSim({ fleet: fleetSchema.parse(LONG_WALK), timeScale: 100 });
    const seen = new Set<string>();
    const check = async () => {
      const r = await call(sim!, `/aws/ec2/group/${KAFKA}/statefulInstance`);
      conforms(list(ssi), r, "GET …/statefulInstance");
      expectRateLimitHeaders(r);
      for (const s of r.json.response.items) seen.add(s.state);
    };
    for (const [ssiId, action_] of [
      ["ssi-a0000001", "recycle"],
      ["ssi-a0000004", "resume"],
      ["ssi-a0000006", "pause"],
      ["ssi-a0000002", "recycle"], // ends in ERROR
    ] as const) {
      const r = await act(sim, KAFKA, ssiId, action_);
      conforms(action, r, `PUT …/${action_}`);
      expectRateLimitHeaders(r);
    }
    await waitUntil(async () => {
      await check();
      return [
        "RECYCLE",
        "RECYCLING",
        "PAUSED",
        "RESUMING",
        "RESUME",
        "PAUSE",
        "PAUSING",
        "ERROR",
        "ACTIVE",
      ].every((s) => seen.has(s));
    }, 10_000);
    await act(sim, KAFKA, "ssi-a0000006", "deallocate").then((r) => conforms(action, r, "PUT …/deallocate"));
    await waitUntil(async () => {
      await check();
      return seen.has("DEALLOCATE") && seen.has("DEALLOCATING") && seen.has("DEALLOCATED");
    }, 10_000);
  });

  it("errors: the envelope with errors[] and the status in both places", async () => {
    sim = await startTestSim();
    const cases: [string, RawResponse, boolean][] = [
      ["401", await call(sim, "/aws/ec2/group", { token: "not-a-token-at-all" }), false],
      ["403", await call(sim, "/aws/ec2/group", { accountId: "act-99999999" }), false],
      ["404 group", await call(sim, "/aws/ec2/group/sig-00000000/statefulInstance"), true],
      ["404 ssi", await act(sim, KAFKA, "ssi-00000000", "recycle"), true],
      ["400 state", await act(sim, KAFKA, "ssi-a0000004", "pause"), true],
      ["404 route", await call(sim, "/aws/ec2/nothing"), false],
      ["405", await call(sim, "/aws/ec2/group", { method: "PUT" }), false],
    ];
    for (const [where, r, routed] of cases) {
      conforms(error, r, where);
      if (routed) expectRateLimitHeaders(r);
    }
    sim.shared.faults.inject("server-error", 5);
    for (let i = 0; i < 5; i++) {
      const r = await call(sim, "/aws/ec2/group");
      // A 502 is a proxy's HTML page, not the API's.
      if (r.status !== 502) conforms(error, r, `HTTP ${r.status}`);
    }
  });

  it("429: the documented body and headers, from the limiter and from an injected fault alike", async () => {
    sim = await startTestSim({ rateLimit: 2 });
    const path = `/aws/ec2/group/${KAFKA}/statefulInstance`;
    const answers = [await call(sim, path), await call(sim, path), await call(sim, path)];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(answers.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["1", "0", "0"]);
    conforms(rateLimited, answers[2]!, "limiter 429");
    expectRateLimitHeaders(answers[2]!);
    sim.shared.faults.inject("throttle", 1, "/status");
    const injected = await call(sim, `/aws/ec2/group/${KAFKA}/status`);
    conforms(rateLimited, injected, "injected 429");
    expectRateLimitHeaders(injected);
  });

  it("the schemas are strict: a misnamed or missing field does not pass", async () => {
    sim = await startTestSim();
    const r = await call(sim, `/aws/ec2/group/${KAFKA}/statefulInstance`);
    const [first] = r.json.response.items;
    const { privateIp, ...rest } = first;
    expect(ssi.safeParse(first).success).toBe(true);
    expect(ssi.safeParse({ ...rest, privateIP: privateIp }).success).toBe(false);
    expect(ssi.safeParse(rest).success).toBe(false);
    expect(
      rateLimited.safeParse({
        ...r.json,
        response: { status: { code: 429, message: "Too Many Requests" }, errors: [] },
      }).success,
    ).toBe(false);
  });
});
