// The fake Spotinst REST API over node:http. Order per request: latency, then 5xx/hang faults
// (real ones come from the gateway, before any auth), auth, route, the rate limiter (which also
// renders injected 429s, so they carry Spot's headers and body), the handler. The token is only
// compared, never echoed (not even in request.url).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { SimShared } from "../core/shared.js";
import { errorReply, faultReply, type Reply, type RequestInfo, rateLimitedReply } from "./envelope.js";
import {
  createRateLimiter,
  DEFAULT_RATE_LIMIT,
  type LimitVerdict,
  type RateLimitSettings,
  rateLimitHeaders,
} from "./rate-limit.js";
import { matchRoute } from "./routes.js";
import type { SimAccount, SpotinstWorld } from "./world.js";

export interface SpotinstServerOptions {
  /** 0 = an ephemeral port. */
  port?: number;
  /** Record every request on the timeline (type "request"). */
  logRequests?: boolean;
  /** Requests per 60 s per organisation × route × method. Default 1000 everywhere. */
  rateLimit?: RateLimitSettings;
}

export interface SpotinstStats {
  requests: number;
  /** Requests that came without ?accountId= and fell back to the default account. */
  withoutAccountId: number;
  /** Requests per "METHOD /path/{template}" (the rate-limit bucket), 429s included. */
  byRoute: Record<string, number>;
  /** 429s answered per "METHOD /path/{template}", by the limiter or an injected fault. */
  throttledByRoute: Record<string, number>;
  /** Blocked requests that came in before the Reset they had been told: each restarted the clock. */
  earlyRetries: number;
  faults: { throttle: number; "server-error": number; hang: number };
}

export interface SpotinstServer {
  url: string;
  port: number;
  stats: SpotinstStats;
  close(): Promise<void>;
}

// One piece (≈170 lines, ≈40 of its own): answer, authenticate and handle are short closures that
// share the server's limiter, counters and pending timers.
export async function startSpotinstServer(
  shared: SimShared,
  world: SpotinstWorld,
  options: SpotinstServerOptions = {},
): Promise<SpotinstServer> {
  const stats: SpotinstStats = {
    requests: 0,
    withoutAccountId: 0,
    byRoute: {},
    throttledByRoute: {},
    earlyRetries: 0,
    faults: { throttle: 0, "server-error": 0, hang: 0 },
  };
  const delays = new Set<NodeJS.Timeout>();
  const limiter = createRateLimiter(options.rateLimit ?? { default: DEFAULT_RATE_LIMIT, routes: {} });
  const timeScale = shared.clock.timeScale;
  let closed = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        delays.delete(t);
        resolve();
      }, ms);
      delays.add(t);
    });

  /** The answer and, for a request that reached the limiter, its verdict (for the log). */
  const answer = (
    req: IncomingMessage,
    url: URL,
    receivedAt: number,
  ): { reply: Reply; route?: string; verdict?: LimitVerdict; decidedAt?: number } | undefined => {
    const method = req.method ?? "GET";
    const now = shared.clock.now();
    const info: RequestInfo = {
      id: randomUUID(),
      url: echoUrl(url),
      method,
      timestamp: new Date(now).toISOString(),
    };
    const fault = shared.faults.next(`${method} ${url.pathname}`);
    if (fault.kind === "hang") {
      stats.faults.hang++;
      return undefined;
    }
    if (fault.kind === "server-error") {
      stats.faults[fault.kind]++;
      return { reply: faultReply(info, fault) };
    }
    const auth = authenticate(req, url, info);
    if ("reply" in auth) return { reply: auth.reply };

    const match = matchRoute(method, url.pathname);
    if (match.kind === "not-found") {
      return { reply: errorReply(info, 404, "ROUTE_NOT_FOUND", `No route for ${method} ${url.pathname}`) };
    }
    if (match.kind === "method-not-allowed") {
      const allowed = Object.keys(match.route.methods).join(", ");
      const message = `${method} is not allowed here (allowed: ${allowed})`;
      return { reply: errorReply(info, 405, "METHOD_NOT_ALLOWED", message, { allow: allowed }) };
    }
    const route = `${method} ${match.route.template}`;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    // One budget per organisation: accounts sharing a token are one organisation.
    const bucket = `${auth.token}\n${route}`;
    let verdict: LimitVerdict;
    if (fault.kind === "throttle") {
      stats.faults.throttle++;
      verdict = limiter.block(bucket, route, now, fault.resetSec * 1000);
    } else verdict = limiter.admit(bucket, route, receivedAt, now);
    let reply: Reply;
    if (verdict.allowed)
      reply = match.handler({ req: info, world, account: auth.account, params: match.params });
    else {
      stats.throttledByRoute[route] = (stats.throttledByRoute[route] ?? 0) + 1;
      if (verdict.early) stats.earlyRetries++;
      reply = rateLimitedReply(info);
    }
    reply.headers = { ...reply.headers, ...rateLimitHeaders(verdict, timeScale) };
    return { reply, route, verdict, decidedAt: now };
  };

  /** The caller's account, or the 401/403 reply. */
  const authenticate = (
    req: IncomingMessage,
    url: URL,
    info: RequestInfo,
  ): { account: SimAccount; token: string } | { reply: Reply } => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    const mine = token ? world.accountsForToken(token) : [];
    const [defaultAccount] = mine;
    if (!token || !defaultAccount) {
      return {
        reply: errorReply(info, 401, "UNAUTHORIZED", "Missing or invalid token in the Authorization header"),
      };
    }
    const accountId = url.searchParams.get("accountId");
    if (!accountId) {
      // The real API falls back to the organisation's oldest account; counted so tests can
      // prove our client never relies on that.
      stats.withoutAccountId++;
      return { account: defaultAccount, token };
    }
    const account = mine.find((a) => a.id === accountId);
    if (!account)
      return { reply: errorReply(info, 403, "FORBIDDEN", `The token has no access to account ${accountId}`) };
    return { account, token };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const receivedAt = shared.clock.now();
    const url = new URL(req.url ?? "/", "http://spotinst.sim");
    await drain(req);
    if (shared.latencyMs > 0) await wait(shared.latencyMs);
    if (closed) return;
    let answered: ReturnType<typeof answer>;
    try {
      answered = answer(req, url, receivedAt);
    } catch (err) {
      const info = { id: randomUUID(), url: url.pathname, method: req.method ?? "GET", timestamp: "" };
      answered = { reply: errorReply(info, 500, "SIMULATOR_BUG", (err as Error)?.message ?? String(err)) };
    }
    // A hang: leave the socket open with no answer; close() destroys it.
    if (!answered) return;
    const { reply, route, verdict, decidedAt = 0 } = answered;
    if (options.logRequests) {
      shared.record({
        type: "request",
        subject: url.pathname,
        detail: {
          service: "spotinst",
          method: req.method,
          status: reply.status,
          receivedAt,
          ...(route && { route }),
          // A 429's promise: no request on this route should arrive before retryAt.
          ...(verdict && !verdict.allowed && { retryAt: decidedAt + verdict.resetMs, early: verdict.early }),
        },
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
