// The real client against a real node:http server on loopback speaking the Spotinst envelope.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createSpotinstApi,
  type RateLimitWait,
  type SpotinstApiOptions,
  type SpotinstRetryInfo,
} from "../../src/cloud/spotinst/api.js";
import { InterruptedError, RemoteError } from "../../src/errors.js";

const TOKEN = "tok-SECRET-7f3a9c1e5b";
const ACCOUNT = "act-1234";

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

interface TestServer {
  url: string;
  seen: Seen[];
  maxInFlight: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(handler: Handler): Promise<TestServer> {
  let inFlight = 0;
  const state: TestServer = { url: "", seen: [], maxInFlight: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    state.seen.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    });
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    handler(req, res, state.seen.length);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  servers.push(state);
  return state;
}

function envelope(
  items: unknown[] | undefined,
  opts: { code?: number; errors?: unknown[]; id?: string } = {},
) {
  const code = opts.code ?? 200;
  return {
    request: { id: opts.id ?? "req-1", url: "/x", method: "GET", timestamp: "2019-12-10T08:02:16.000Z" },
    response: {
      status: { code, message: code === 200 ? "OK" : "Error" },
      kind: "spotinst:aws:ec2:group",
      ...(items !== undefined && { items, count: items.length }),
      ...(opts.errors && { errors: opts.errors }),
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

const ssi = { id: "ssi-1", instanceId: "i-1", privateIp: "127.0.0.11", state: "ACTIVE" };

function client(url: string, extra: Partial<SpotinstApiOptions> = {}) {
  const retries: SpotinstRetryInfo[] = [];
  const waits: RateLimitWait[] = [];
  const api = createSpotinstApi({
    baseUrl: url,
    credentials: { token: TOKEN, accountId: ACCOUNT },
    timeoutMs: 2000,
    onRetry: (info) => retries.push(info),
    onRateLimitWait: (w) => waits.push(w),
    ...extra,
    retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 4, maxElapsedMs: 10_000, ...extra.retry },
  });
  return { api, retries, waits };
}

/** Spot's documented 429 (its API administration page): `data`, no `errors[]`, the three headers. */
function spot429(res: ServerResponse, reset: string) {
  reply(
    res,
    429,
    {
      request: { id: "req-429", url: "/x", method: "GET", timestamp: "2025-06-30T11:45:44.765Z" },
      response: { status: { code: 429, message: "Too Many Requests" }, data: "Rate limit exceeded" },
    },
    { "x-ratelimit-limit": "3", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
  );
}

async function failure(promise: Promise<unknown>): Promise<RemoteError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RemoteError);
  return err as RemoteError;
}

function expectNoToken(...things: unknown[]) {
  for (const thing of things) {
    const texts =
      thing instanceof Error
        ? [String(thing), thing.message, JSON.stringify(thing), String(thing.cause ?? ""), thing.stack ?? ""]
        : [JSON.stringify(thing)];
    for (const text of texts) expect(text).not.toContain(TOKEN);
  }
}

describe("spotinst client: requests", () => {
  it("sends the Bearer token, JSON headers, a User-Agent and accountId on every call", async () => {
    const server = await startServer((req, res) => {
      if (req.method === "PUT")
        return reply(res, 200, { request: { id: "req-put" }, response: { status: { code: 200 } } });
      if (req.url?.startsWith("/aws/ec2/group/sig-1/statefulInstance"))
        return reply(res, 200, envelope([ssi]));
      if (req.url?.startsWith("/aws/ec2/group/sig-1/status"))
        return reply(res, 200, envelope([{ instanceId: "i-1" }]));
      if (req.url?.startsWith("/aws/ec2/group/sig-1"))
        return reply(res, 200, envelope([{ id: "sig-1", name: "kafka" }]));
      reply(res, 200, envelope([{ id: "sig-1", name: "kafka" }]));
    });
    const { api } = client(server.url);
    expect(await api.listGroups()).toEqual([{ id: "sig-1", name: "kafka" }]);
    expect(await api.getGroup("sig-1")).toEqual({ id: "sig-1", name: "kafka" });
    expect(await api.getGroupStatus("sig-1")).toEqual([{ instanceId: "i-1" }]);
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(await api.statefulAction("sig-1", "ssi-1", "recycle")).toEqual({ requestId: "req-put" });

    expect(server.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      "GET /aws/ec2/group",
      "GET /aws/ec2/group/sig-1",
      "GET /aws/ec2/group/sig-1/status",
      "GET /aws/ec2/group/sig-1/statefulInstance",
      "PUT /aws/ec2/group/sig-1/statefulInstance/ssi-1/recycle",
    ]);
    for (const s of server.seen) {
      expect(s.query.get("accountId")).toBe(ACCOUNT);
      expect(s.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(s.headers.accept).toBe("application/json");
      expect(s.headers["content-type"]).toBe("application/json");
      expect(s.headers["user-agent"]).toMatch(/^rollcall\/\d+\.\d+\.\d+/);
    }
  });

  it("returns [] for an envelope with empty or absent items", async () => {
    const server = await startServer((_req, res, n) => reply(res, 200, envelope(n === 1 ? [] : undefined)));
    const { api } = client(server.url);
    expect(await api.listStatefulInstances("sig-1")).toEqual([]);
    expect(await api.listGroups()).toEqual([]);
  });

  it("keeps the concurrency bound across all calls of one client", async () => {
    const server = await startServer((_req, res) => {
      setTimeout(() => reply(res, 200, envelope([ssi])), 40);
    });
    const { api } = client(server.url, { concurrency: 3 });
    const calls = Array.from({ length: 12 }, (_, i) =>
      i % 2 ? api.listStatefulInstances(`sig-${i}`) : api.getGroupStatus(`sig-${i}`),
    );
    await Promise.all(calls);
    expect(server.seen).toHaveLength(12);
    expect(server.maxInFlight).toBe(3);
  });
});

describe("spotinst client: retries", () => {
  it("waits X-RateLimit-Reset after Spot's documented 429, once per wait, and never counts it as an attempt", async () => {
    const arrivals: number[] = [];
    const server = await startServer((_req, res, n) => {
      arrivals.push(Date.now());
      if (n <= 2) return spot429(res, "0.2");
      reply(res, 200, envelope([ssi]));
    });
    const { api, retries, waits } = client(server.url, { retry: { maxAttempts: 1 } });
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(server.seen).toHaveLength(3);
    // Never back before the Reset it was given (200 ms, plus 2–10 % and 5 ms).
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(200);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(200);
    expect(retries).toEqual([]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toMatchObject({
      route: "GET /aws/ec2/group/{id}/statefulInstance",
      reason: "throttled",
      limit: 3,
    });
    expect(waits[0]!.waitMs).toBeGreaterThanOrEqual(200);
    expectNoToken(waits);
  });

  it("recognises a rate-limited answer by its body too (HTTP 200 carrying status 429)", async () => {
    const server = await startServer((_req, res, n) =>
      n === 1
        ? reply(
            res,
            200,
            {
              request: { id: "r" },
              response: { status: { code: 429, message: "Too Many Requests" }, data: "Rate limit exceeded" },
            },
            { "x-ratelimit-reset": "0.05" },
          )
        : reply(res, 200, envelope([ssi])),
    );
    const { api, waits } = client(server.url);
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(waits.map((w) => w.reason)).toEqual(["throttled"]);
  });

  it("fails at once, in numbers, when the Reset is past the call's deadline", async () => {
    const server = await startServer((_req, res) => spot429(res, "60"));
    const { api } = client(server.url, { retry: { maxElapsedMs: 5_000 } });
    const started = Date.now();
    const err = await failure(api.listGroups());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.seen).toHaveLength(1);
    expect(err.data.status).toBe(429);
    // 60 s, plus 2–10 % jitter, plus a second because "60" may have been rounded down.
    expect(err.data.apiMessage).toMatch(
      /^rate limited on GET \/aws\/ec2\/group: the next request is allowed in 6[2-8] s, after this call's deadline \(5 s\)$/,
    );
    expectNoToken(err);
  });

  it("backs off from 5 s when a 429 has no Reset header", async () => {
    const server = await startServer((_req, res) => reply(res, 429, "Too Many Requests"));
    const { api } = client(server.url, { retry: { maxElapsedMs: 1_000 } });
    const err = await failure(api.listGroups());
    expect(server.seen).toHaveLength(1);
    expect(err.data.apiMessage).toMatch(/the next request is allowed in [56] s/);
  });

  it.each([500, 502, 503])("retries HTTP %i, then succeeds", async (status) => {
    const server = await startServer((_req, res, n) =>
      n < 3 ? reply(res, status, envelope(undefined, { code: status })) : reply(res, 200, envelope([ssi])),
    );
    const { api, retries } = client(server.url);
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(server.seen).toHaveLength(3);
    expect(retries.map((r) => r.status)).toEqual([status, status]);
  });

  it("treats a 400 envelope whose error code is Throttling as rate limiting", async () => {
    const server = await startServer((_req, res, n) =>
      n === 1
        ? reply(
            res,
            400,
            envelope(undefined, {
              code: 400,
              errors: [{ code: "Throttling", message: "Rate exceeded" }],
              id: "req-t",
            }),
            { "x-ratelimit-reset": "0.05" },
          )
        : reply(res, 200, envelope([ssi])),
    );
    const { api, retries, waits } = client(server.url);
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(retries).toHaveLength(0);
    expect(waits).toMatchObject([{ reason: "throttled" }]);
  });

  it("cuts a hung request at timeoutMs and retries it", async () => {
    const server = await startServer((_req, res, n) => {
      if (n === 1) return; // never answer
      reply(res, 200, envelope([ssi]));
    });
    const { api, retries } = client(server.url, { timeoutMs: 200 });
    const started = Date.now();
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.reason).toBe("timed out after 200 ms");
  });

  it("cuts a response that trickles its body past timeoutMs", async () => {
    const server = await startServer((_req, res, n) => {
      if (n > 1) return reply(res, 200, envelope([ssi]));
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(timer));
    });
    const { api, retries } = client(server.url, { timeoutMs: 200 });
    expect(await api.listStatefulInstances("sig-1")).toEqual([ssi]);
    expect(retries[0]?.reason).toBe("timed out after 200 ms");
  });

  it("gives up after maxAttempts with a RemoteError carrying status, code and request id", async () => {
    const server = await startServer((_req, res) =>
      reply(
        res,
        503,
        envelope(undefined, {
          code: 503,
          id: "req-503",
          errors: [{ code: "SERVICE_UNAVAILABLE", message: "Service unavailable" }],
        }),
      ),
    );
    const { api, retries } = client(server.url, { retry: { maxAttempts: 3 } });
    const err = await failure(api.listGroups());
    expect(server.seen).toHaveLength(3);
    expect(retries).toHaveLength(2);
    expect(err.data).toMatchObject({
      service: "spotinst",
      operation: "GET /aws/ec2/group",
      status: 503,
      code: "SERVICE_UNAVAILABLE",
      requestId: "req-503",
    });
    expect(err.data.apiMessage).toMatch(/^Service unavailable \(gave up after 3 attempts in \d+\.\d s\)$/);
    expect(err.exitCode).toBe(3);
    expectNoToken(err, retries);
  });

  it("gives up once maxElapsedMs would be exceeded, however many attempts remain", async () => {
    const server = await startServer((_req, res) => reply(res, 503, envelope(undefined, { code: 503 })));
    const { api } = client(server.url, {
      retry: { maxAttempts: 1000, maxElapsedMs: 300, baseDelayMs: 40, maxDelayMs: 80 },
    });
    const started = Date.now();
    const err = await failure(api.listGroups());
    expect(Date.now() - started).toBeLessThan(1500);
    expect(server.seen.length).toBeGreaterThan(1);
    expect(server.seen.length).toBeLessThan(1000);
    expect(err.data.status).toBe(503);
  });

  it("retries a refused connection and says so", async () => {
    const server = await startServer(() => undefined);
    const url = server.url;
    await server.close();
    const { api, retries } = client(url, { retry: { maxAttempts: 2 } });
    const err = await failure(api.listGroups());
    expect(retries).toHaveLength(1);
    expect(err.data.apiMessage).toContain(`connection refused to ${url.replace("http://", "")}`);
    expect(err.data.status).toBeUndefined();
    expectNoToken(err);
  });
});

describe("spotinst client: failures that are not retried", () => {
  it("does not retry a 401 and says the token is invalid or expired, without the token", async () => {
    const server = await startServer((req, res) =>
      reply(
        res,
        401,
        envelope(undefined, {
          code: 401,
          id: "req-401",
          // A server that echoes the credential back must not get it printed.
          errors: [{ code: "UNAUTHORIZED", message: `bad credentials: ${req.headers.authorization}` }],
        }),
      ),
    );
    const { api, retries } = client(server.url);
    const err = await failure(api.listGroups());
    expect(server.seen).toHaveLength(1);
    expect(retries).toHaveLength(0);
    expect(err.data).toMatchObject({ status: 401, code: "UNAUTHORIZED", requestId: "req-401" });
    expect(err.message).toMatch(/token was rejected \(invalid or expired\)/);
    expect(err.cause).toBeUndefined();
    expectNoToken(err);
  });

  it("does not retry a 404, and reports the API's own message", async () => {
    const server = await startServer((_req, res) =>
      reply(
        res,
        404,
        envelope(undefined, {
          code: 404,
          errors: [{ code: "GROUP_DOESNT_EXIST", message: "Group sig-9 not found" }],
        }),
      ),
    );
    const { api } = client(server.url);
    const err = await failure(api.listStatefulInstances("sig-9"));
    expect(server.seen).toHaveLength(1);
    expect(err.message).toBe(
      "spotinst GET /aws/ec2/group/sig-9/statefulInstance failed: HTTP 404: GROUP_DOESNT_EXIST: Group sig-9 not found (request req-1)",
    );
  });

  it("turns a non-JSON error body into a clean RemoteError, redacted", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end(`<html><body>Bad Gateway for ${req.headers.authorization}</body></html>`);
    });
    const { api, retries } = client(server.url, { retry: { maxAttempts: 2 } });
    const err = await failure(api.listGroups());
    expect(retries).toHaveLength(1);
    expect(err.data.status).toBe(502);
    expect(err.data.apiMessage).toContain(
      'response was not a Spotinst JSON envelope: "<html><body>Bad Gateway',
    );
    expect(err.data.apiMessage).toContain("[REDACTED]");
    expectNoToken(err, retries);
  });

  it("rejects a 200 that is not an envelope, or lacks the response object, without retrying", async () => {
    const server = await startServer((_req, res, n) =>
      n === 1 ? reply(res, 200, "OK") : reply(res, 200, { request: { id: "req-x" } }),
    );
    const { api, retries } = client(server.url);
    const first = await failure(api.listGroups());
    expect(first.data).toMatchObject({
      status: 200,
      apiMessage: 'response was not a Spotinst JSON envelope: "OK"',
    });
    const second = await failure(api.listGroups());
    expect(second.data.apiMessage).toContain("not a Spotinst JSON envelope");
    expect(retries).toHaveLength(0);
  });

  it("rejects an HTTP 200 whose envelope status code is an error", async () => {
    const server = await startServer((_req, res) =>
      reply(res, 200, envelope(undefined, { code: 400, errors: [{ code: "INVALID", message: "nope" }] })),
    );
    const { api } = client(server.url);
    const err = await failure(api.statefulAction("sig-1", "ssi-1", "pause"));
    expect(err.data).toMatchObject({ status: 400, code: "INVALID", apiMessage: "nope" });
    expect(err.data.operation).toBe("PUT /aws/ec2/group/sig-1/statefulInstance/ssi-1/pause");
  });

  it("rejects items that are not a list", async () => {
    const server = await startServer((_req, res) =>
      reply(res, 200, { request: { id: "r" }, response: { status: { code: 200 }, items: { id: "x" } } }),
    );
    const err = await failure(client(server.url).api.listGroups());
    expect(err.data.apiMessage).toBe("response.items is not a list");
  });

  it("stops waiting when the caller aborts", async () => {
    const server = await startServer(() => undefined);
    const controller = new AbortController();
    const { api } = client(server.url, { signal: controller.signal, timeoutMs: 10_000 });
    const pending = api.listGroups();
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(InterruptedError);
  });
});
