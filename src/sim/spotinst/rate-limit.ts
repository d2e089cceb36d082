// Spot's API rate limiter as its administration page documents it (docs/reference/spotinst-api.md,
// "Rate limits"): requests are counted per organisation × route × method over a sliding 60 s
// window; every answer carries X-RateLimit-Limit / -Remaining / -Reset; going over answers 429;
// and retrying while blocked pushes the reset further out. Times here are simulated milliseconds;
// the server turns the reset into wall-clock seconds for the header (see formatReset).

export const WINDOW_MS = 60_000;

/** Requests per 60 s: one default for every route × method, and overrides by "METHOD /template". */
export interface RateLimitSettings {
  default: number;
  routes: Record<string, number>;
}

/** Spot does not publish its numbers; this is high enough that only tests that ask for a limit meet it. */
export const DEFAULT_RATE_LIMIT = 1000;

export interface LimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Simulated ms until one more request on this bucket will be allowed (0: now). */
  resetMs: number;
  /** A blocked request that came in before the reset it was already told: the clock restarted. */
  early: boolean;
}

interface Bucket {
  /** Accepted requests in the window, oldest first (simulated epoch ms). */
  accepted: number[];
  /** Blocked until then regardless of the window: a penalty or an injected 429. */
  blockedUntil: number;
  /** The last 429 this bucket answered, and the time it said to wait for. */
  toldAt: number;
  toldUntil: number;
}

export interface RateLimiter {
  /** Decide a request on `bucket` that arrived at `receivedAt` and is answered at `now`. */
  admit(bucket: string, route: string, receivedAt: number, now: number): LimitVerdict;
  /** An injected 429: the bucket is blocked for `forMs` as if the window had filled. */
  block(bucket: string, route: string, now: number, forMs: number): LimitVerdict;
}

export function createRateLimiter(settings: RateLimitSettings): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const limitOf = (route: string) => Math.max(1, settings.routes[route] ?? settings.default);
  const bucketOf = (key: string): Bucket => {
    let b = buckets.get(key);
    if (!b) {
      b = { accepted: [], blockedUntil: 0, toldAt: -1, toldUntil: -1 };
      buckets.set(key, b);
    }
    return b;
  };
  /** When the window lets one more request in. */
  const windowFreeAt = (b: Bucket, limit: number, now: number) =>
    b.accepted.length < limit ? now : b.accepted[b.accepted.length - limit]! + WINDOW_MS;
  const prune = (b: Bucket, now: number) => {
    while (b.accepted.length > 0 && b.accepted[0]! <= now - WINDOW_MS) b.accepted.shift();
  };
  const refuse = (b: Bucket, limit: number, now: number, until: number, early: boolean): LimitVerdict => {
    b.toldAt = now;
    b.toldUntil = until;
    return { allowed: false, limit, remaining: 0, resetMs: until - now, early };
  };

  return {
    admit(key, route, receivedAt, now) {
      const b = bucketOf(key);
      const limit = limitOf(route);
      prune(b, now);
      const until = Math.max(windowFreeAt(b, limit, now), b.blockedUntil);
      if (now >= until) {
        b.accepted.push(now);
        const remaining = Math.max(0, limit - b.accepted.length);
        return {
          allowed: true,
          limit,
          remaining,
          resetMs: Math.max(0, windowFreeAt(b, limit, now) - now),
          early: false,
        };
      }
      // Sent after a 429 was answered and before the reset it named: Spot's "rapid retries delay
      // the reset". A request already on its way when the 429 went out is not early.
      const early = receivedAt > b.toldAt && receivedAt < b.toldUntil;
      if (early) b.blockedUntil = Math.max(b.blockedUntil, now + WINDOW_MS);
      return refuse(b, limit, now, Math.max(until, b.blockedUntil), early);
    },
    block(key, route, now, forMs) {
      const b = bucketOf(key);
      const limit = limitOf(route);
      b.blockedUntil = Math.max(b.blockedUntil, now + forMs);
      return refuse(b, limit, now, b.blockedUntil, false);
    },
  };
}

/**
 * X-RateLimit-Reset in wall-clock seconds, rounded up so a client that waits it is never early.
 * At time scale 1 it is whole seconds, like Spot's; a faster simulator divides by the scale and
 * keeps milliseconds (60 simulated s at --time-scale 60 → "1"; 37 s at 1000 → "0.037"), so an
 * unmodified client paces correctly against it.
 */
export function formatReset(resetSimMs: number, timeScale: number): string {
  if (resetSimMs <= 0) return "0";
  if (timeScale === 1) return String(Math.ceil(resetSimMs / 1000));
  return String(Math.ceil(resetSimMs / timeScale) / 1000);
}

export function rateLimitHeaders(v: LimitVerdict, timeScale: number): Record<string, string> {
  return {
    "x-ratelimit-limit": String(v.limit),
    "x-ratelimit-remaining": String(v.remaining),
    "x-ratelimit-reset": formatReset(v.resetMs, timeScale),
  };
}
