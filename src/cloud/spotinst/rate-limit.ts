// Pacing by Spot's rate-limit headers. Spot counts requests per organisation × route × method
// over a sliding 60 s window and answers every request with X-RateLimit-Limit, -Remaining and
// -Reset (seconds until one more request is allowed); retrying while blocked pushes the reset
// later for the whole organisation. So the client never sends a request it knows will be
// blocked: one budget per route template and method, shared by every client of this process
// that uses the same API URL and token (the closest we can get to "per organisation").
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { InterruptedError } from "../../errors.js";

/** What one answer said about its route's budget. */
export interface RateLimitHeaders {
  limit?: number;
  remaining?: number;
  /** Milliseconds until one more request is allowed. */
  resetMs?: number;
  /** The Reset value had no fraction: it may have been rounded down. */
  resetIsWhole?: boolean;
}

export interface RateLimitWait {
  /** "GET /aws/ec2/group/{id}/statefulInstance". */
  route: string;
  waitMs: number;
  /** limit: Remaining reached 0; throttled: the API refused a request (429 or a throttling code). */
  reason: "limit" | "throttled";
  limit?: number;
}

/** The wait would end after the caller's deadline: waiting is pointless. */
export class RateLimitDeadlineError extends Error {
  constructor(
    readonly route: string,
    readonly waitMs: number,
  ) {
    super(
      `rate limited on ${route}: the next request is allowed in ${formatSeconds(waitMs)}, after the deadline`,
    );
  }
}

export interface Ticket {
  route: string;
}

export interface AcquireOptions {
  deadlineAt: number;
  signal?: AbortSignal;
  /** Told once per wait each (the same function is not told twice about one wait). */
  listeners?: readonly ((wait: RateLimitWait) => void)[];
}

export interface Pacer {
  /** Resolves when a request on `route` may be sent; the ticket must be settled. */
  acquire(route: string, options: AcquireOptions): Promise<Ticket>;
  /** Update the route's budget from the answer (answered false: none came, e.g. a timeout). */
  settle(ticket: Ticket, answer: { answered: boolean; headers?: RateLimitHeaders; throttled: boolean }): void;
}

/** Missing Reset on a 429: back off 5 s, 10 s, 20 s, … up to Spot's 60 s window. */
export const FALLBACK_BACKOFF_MS = { first: 5_000, max: 60_000 } as const;

/**
 * How long to wait for a Reset: 2–10 % more (several processes share one organisation's budget;
 * jitter keeps them from arriving together), 5 ms of timer slack, and one more second when the
 * value is a whole number, which may have been rounded down — an early retry costs the whole
 * organisation another window.
 */
export function padReset(resetMs: number, whole: boolean, random: () => number = Math.random): number {
  return Math.ceil(resetMs * (1.02 + 0.08 * random()) + 5 + (whole ? 1000 : 0));
}

export function fallbackBackoff(consecutive429: number, random: () => number = Math.random): number {
  const step = Math.min(
    FALLBACK_BACKOFF_MS.max,
    FALLBACK_BACKOFF_MS.first * 2 ** Math.max(0, consecutive429 - 1),
  );
  return Math.ceil(step * (1 + 0.2 * random()));
}

interface RouteBudget {
  /** Any answer seen on this route: until then only one request goes, to learn the budget. */
  known: boolean;
  limit?: number;
  /** Requests we may still send now (sends already subtracted); Infinity when the API sends no headers. */
  avail: number;
  /** Lowest Remaining among the answers since nothing was last in flight (Infinity: no header). */
  batchMin: number;
  batchAnswered: boolean;
  inFlight: number;
  blockedUntil: number;
  blockReason: RateLimitWait["reason"];
  /** Bumped per new block, so each wait is announced once per listener. */
  episode: number;
  /** The block whose passing already granted its one request. */
  granted: number;
  announced: WeakMap<(w: RateLimitWait) => void, number>;
  consecutive429: number;
  wakers: Set<() => void>;
}

/**
 * Answers to concurrent requests can arrive in another order than the API counted them, so a
 * later answer may report more Remaining than is true. The budget therefore only shrinks while
 * requests are in flight (Remaining minus what is still out), and is set from the answers only
 * when none is out: then the lowest Remaining among them is the newest count (a window that slid
 * meanwhile only makes that low, never high).
 */
export function createPacer(now: () => number = Date.now): Pacer {
  const routes = new Map<string, RouteBudget>();
  const budgetOf = (route: string): RouteBudget => {
    let b = routes.get(route);
    if (!b) {
      b = newBudget();
      routes.set(route, b);
    }
    return b;
  };

  return {
    async acquire(route, o) {
      const b = budgetOf(route);
      for (;;) {
        if (o.signal?.aborted) throw new InterruptedError();
        const t = now();
        if (b.blockedUntil > t) {
          const waitMs = b.blockedUntil - t;
          if (b.blockedUntil > o.deadlineAt) throw new RateLimitDeadlineError(route, waitMs);
          announce(b, route, waitMs, o.listeners ?? []);
          await pause(waitMs, o.signal);
          continue;
        }
        // A block that has passed allows one more request (once per block, however many waiters
        // there are), and its answer tells the rest. Checked here, not only after a pause: the
        // block may have passed while this request waited for an in-flight answer, and without
        // its grant that answer leaves no budget, nothing in flight and no Reset — the fallback
        // back-off below, 5 s to 60 s, for a route that was free again.
        if (b.episode > 0 && b.granted !== b.episode) {
          b.granted = b.episode;
          if (b.avail <= 0) b.avail = 1;
        }
        const free = b.known ? b.avail : b.inFlight === 0 ? 1 : 0;
        if (free > 0) break;
        if (b.inFlight > 0) {
          await nextAnswer(b, o.signal);
          continue;
        }
        // Out of budget with nothing in flight and no Reset to go by.
        block(b, t + fallbackBackoff(++b.consecutive429), "limit");
      }
      b.inFlight++;
      b.avail--;
      return { route };
    },

    settle(ticket, answer) {
      const b = budgetOf(ticket.route);
      b.inFlight = Math.max(0, b.inFlight - 1);
      absorb(b, answer, now());
      if (answer.answered || answer.throttled) b.batchAnswered = true;
      if (b.inFlight === 0 && b.batchAnswered) {
        b.avail = b.batchMin;
        b.batchMin = Number.POSITIVE_INFINITY;
        b.batchAnswered = false;
      }
      for (const w of b.wakers) w();
      b.wakers.clear();
    },
  };
}

function newBudget(): RouteBudget {
  return {
    known: false,
    avail: 0,
    batchMin: Number.POSITIVE_INFINITY,
    batchAnswered: false,
    inFlight: 0,
    blockedUntil: 0,
    blockReason: "limit",
    episode: 0,
    granted: 0,
    announced: new WeakMap(),
    consecutive429: 0,
    wakers: new Set(),
  };
}

/** What one answer says about the route's budget. */
function absorb(b: RouteBudget, answer: Parameters<Pacer["settle"]>[1], now: number): void {
  const h = answer.headers;
  if (h?.limit !== undefined) b.limit = h.limit;
  if (answer.throttled) {
    b.known = true;
    b.batchMin = 0;
    b.avail = Math.min(b.avail, 0);
    block(b, now + waitFor(h, ++b.consecutive429), "throttled");
  } else if (answer.answered) {
    b.known = true;
    b.consecutive429 = 0;
    // No header at all: nothing to pace by; the client's concurrency is the only bound.
    const remaining = h?.remaining ?? Number.POSITIVE_INFINITY;
    b.batchMin = Math.min(b.batchMin, remaining);
    b.avail = Math.min(b.avail, remaining - b.inFlight);
    if (remaining <= 0) block(b, now + waitFor(h, 1), "limit");
  } else {
    // No answer (a timeout, a refused connection): the API most likely never counted it.
    b.avail++;
  }
}

function block(b: RouteBudget, until: number, reason: RouteBudget["blockReason"]): void {
  if (until <= b.blockedUntil) return;
  b.blockedUntil = until;
  b.blockReason = reason;
  b.episode++;
}

function waitFor(h: RateLimitHeaders | undefined, consecutive: number): number {
  return h?.resetMs !== undefined
    ? padReset(h.resetMs, h.resetIsWhole === true)
    : fallbackBackoff(consecutive);
}

/** Tell each listener about this block once, however many of its requests wait on it. */
function announce(
  b: RouteBudget,
  route: string,
  waitMs: number,
  listeners: readonly ((w: RateLimitWait) => void)[],
) {
  for (const listener of listeners) {
    if (b.announced.get(listener) === b.episode) continue;
    b.announced.set(listener, b.episode);
    listener({ route, waitMs, reason: b.blockReason, ...(b.limit !== undefined && { limit: b.limit }) });
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, undefined, signal ? { signal } : undefined).catch(() => {
    throw new InterruptedError();
  });
}

function nextAnswer(b: RouteBudget, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      b.wakers.delete(done);
      reject(new InterruptedError());
    };
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    b.wakers.add(done);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Read X-RateLimit-* (header names already lower-cased); undefined when none is present. */
export function readRateLimitHeaders(
  get: (name: string) => string | undefined,
): RateLimitHeaders | undefined {
  const num = (name: string) => {
    const raw = get(name)?.trim();
    if (raw === undefined || raw === "" || !/^\d+(\.\d+)?$/.test(raw)) return undefined;
    return { value: Number(raw), whole: !raw.includes(".") };
  };
  const limit = num("x-ratelimit-limit");
  const remaining = num("x-ratelimit-remaining");
  const reset = num("x-ratelimit-reset");
  if (!limit && !remaining && !reset) return undefined;
  return {
    ...(limit && { limit: limit.value }),
    ...(remaining && { remaining: remaining.value }),
    ...(reset && { resetMs: Math.ceil(reset.value * 1000), resetIsWhole: reset.whole }),
  };
}

/** One budget per API URL and token in this process (the token only as a hash). */
const shared = new Map<string, Pacer>();

export function sharedPacer(baseUrl: string, token: string): Pacer {
  const key = `${baseUrl}\n${createHash("sha256").update(token).digest("hex")}`;
  let pacer = shared.get(key);
  if (!pacer) {
    pacer = createPacer();
    shared.set(key, pacer);
  }
  return pacer;
}

/** "37 s", "4.5 s", "0.062 s": whole seconds once they are many, milliseconds when they are all. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s.toFixed(s >= 10 ? 0 : s >= 1 ? 1 : 3)} s`;
}

/** The -v line for one wait. */
export function describeRateLimitWait(w: RateLimitWait): string {
  const why = w.reason === "throttled" ? " (the API refused a request)" : "";
  return `rate limited on ${w.route}: waiting ${formatSeconds(w.waitMs)}${why}`;
}
