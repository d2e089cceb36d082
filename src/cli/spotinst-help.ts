// What --help says about Spotinst rate limiting, in numbers, from the same constants the code uses.
import { FALLBACK_BACKOFF_MS } from "../cloud/spotinst/rate-limit.js";
import { defaultRetryPolicy } from "../cloud/spotinst/retry.js";

const s = (ms: number) => `${ms / 1000} s`;

export const SPOTINST_RATE_LIMIT_HELP = [
  "Spotinst rate limiting: requests are paced by the X-RateLimit-Limit/-Remaining/-Reset headers, one",
  "budget per route and method (every group's …/statefulInstance call shares one). At Remaining 0, or",
  "after a 429, nothing more is sent on that route until Reset has passed (+2-10 % jitter, +1 s when",
  `Reset is a whole number); with no Reset header the wait is ${s(FALLBACK_BACKOFF_MS.first)}, doubling to ${s(FALLBACK_BACKOFF_MS.max)}.`,
  "429s are not counted as attempts; waits end by the deadline: the inventory source's `deadline`",
  "(default 120 s), a spotinst_stateful task's wait_timeout (default 600 s). Other failures (5xx,",
  `timeouts) are tried ${defaultRetryPolicy.maxAttempts} times with backoff from ${s(defaultRetryPolicy.baseDelayMs)} to ${s(defaultRetryPolicy.maxDelayMs)}. -v prints one line per wait.`,
].join("\n");
