// The fake Spotinst REST API over node:http. Order per request: latency, fault, auth, route —
// faults first because real 5xx/429s come from the gateway in front of the API, before any
// auth. The token is only compared, never echoed (not even in request.url).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { SimShared } from "../core/shared.js";
import { errorReply, faultReply, type Reply, type RequestInfo } from "./envelope.js";
import { matchRoute } from "./routes.js";
import type { SimAccount, SpotinstWorld } from "./world.js";

export interface SpotinstServerOptions {
  /** 0 = an ephemeral port. */
  port?: number;
  /** Record every request on the timeline (type "request"). */
  logRequests?: boolean;
}

export interface SpotinstStats {
  requests: number;
  /** Requests that came without ?accountId= and fell back to the default account. */
  withoutAccountId: number;
  /** Requests per "METHOD /path/{template}". */
  byRoute: Record<string, number>;
  faults: { throttle: number; "server-error": number; hang: number };
}

export interface SpotinstServer {
  url: string;
  port: number;
  stats: SpotinstStats;
  close(): Promise<void>;
}

/** Nominal per-route budget behind X-RateLimit-Remaining (Spot does not publish theirs). */
const RATE_BUDGET_PER_MINUTE = 1000;

// One piece (≈150 lines, ≈30 of its own): the route table and its small handlers share the
// server's rate-limit windows and request counters; each handler is short.
export async function startSpotinstServer(
  shared: SimShared,
  world: SpotinstWorld,
  options: SpotinstServerOptions = {},
): Promise<SpotinstServer> {
  const stats: SpotinstStats = {
    requests: 0,
    withoutAccountId: 0,
    byRoute: {},
    faults: { throttle: 0, "server-error": 0, hang: 0 },
  };
  const delays = new Set<NodeJS.Timeout>();
  const buckets = new Map<string, { minute: number; count: number }>();
  let closed = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        delays.delete(t);
        resolve();
      }, ms);
      delays.add(t);
    });

  const remainingFor = (bucket: string) => {
    const minute = Math.floor(shared.clock.now() / 60_000);
    const b = buckets.get(bucket);
    const entry = b && b.minute === minute ? b : { minute, count: 0 };
    entry.count++;
    buckets.set(bucket, entry);
    return Math.max(0, RATE_BUDGET_PER_MINUTE - entry.count);
  };

  const answer = (req: IncomingMessage, url: URL): Reply | undefined => {
    const method = req.method ?? "GET";
    const info: RequestInfo = {
      id: randomUUID(),
      url: echoUrl(url),
      method,
      timestamp: new Date(shared.clock.now()).toISOString(),
    };
    const fault = shared.faults.next(`${method} ${url.pathname}`);
    if (fault.kind === "hang") {
      stats.faults.hang++;
      return undefined;
    }
    if (fault.kind !== "none") {
      stats.faults[fault.kind]++;
      return faultReply(info, fault);
    }
    const account = authenticate(req, url, info);
    if (!("id" in account)) return account;

    const match = matchRoute(method, url.pathname);
    if (match.kind === "not-found") {
      return errorReply(info, 404, "ROUTE_NOT_FOUND", `No route for ${method} ${url.pathname}`);
    }
    if (match.kind === "method-not-allowed") {
      const allowed = Object.keys(match.route.methods).join(", ");
      return errorReply(
        info,
        405,
        "METHOD_NOT_ALLOWED",
        `${method} is not allowed here (allowed: ${allowed})`,
        {
          allow: allowed,
        },
      );
    }
    const bucket = `${method} ${match.route.template}`;
    stats.byRoute[bucket] = (stats.byRoute[bucket] ?? 0) + 1;
    const reply = match.handler({ req: info, world, account, params: match.params });
    reply.headers = { ...reply.headers, "x-ratelimit-remaining": String(remainingFor(bucket)) };
    return reply;
  };

  /** The caller's account, or the 401/403 reply. */
  const authenticate = (req: IncomingMessage, url: URL, info: RequestInfo): SimAccount | Reply => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    const mine = token ? world.accountsForToken(token) : [];
    const [defaultAccount] = mine;
    if (!defaultAccount) {
      return errorReply(info, 401, "UNAUTHORIZED", "Missing or invalid token in the Authorization header");
    }
    const accountId = url.searchParams.get("accountId");
    if (!accountId) {
      // The real API falls back to the organisation's oldest account; counted so tests can
      // prove our client never relies on that.
      stats.withoutAccountId++;
      return defaultAccount;
    }
    const account = mine.find((a) => a.id === accountId);
    if (!account)
      return errorReply(info, 403, "FORBIDDEN", `The token has no access to account ${accountId}`);
    return account;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const url = new URL(req.url ?? "/", "http://spotinst.sim");
    await drain(req);
    if (shared.latencyMs > 0) await wait(shared.latencyMs);
    if (closed) return;
    let reply: Reply | undefined;
    try {
      reply = answer(req, url);
    } catch (err) {
      const info = { id: randomUUID(), url: url.pathname, method: req.method ?? "GET", timestamp: "" };
      reply = errorReply(info, 500, "SIMULATOR_BUG", (err as Error)?.message ?? String(err));
    }
    // A hang: leave the socket open with no answer; close() destroys it.
    if (!reply) return;
    if (options.logRequests) {
      shared.record({
        type: "request",
        subject: url.pathname,
        detail: { service: "spotinst", method: req.method, status: reply.status },
      });
    }
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, shared.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://${shared.host}:${port}`,
    port,
    stats,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of delays) clearTimeout(t);
      delays.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const isText = typeof reply.body === "string";
  const body = isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    ...reply.headers,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** What request.url shows: the path and the accountId, nothing else a client might have sent. */
function echoUrl(url: URL): string {
  const accountId = url.searchParams.get("accountId");
  return accountId ? `${url.pathname}?accountId=${encodeURIComponent(accountId)}` : url.pathname;
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.on("end", resolve);
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.resume();
  });
}
