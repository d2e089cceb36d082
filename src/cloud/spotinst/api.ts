// The Spotinst REST seam: one axios instance, bounded concurrency, pacing by Spot's rate-limit
// headers (rate-limit.ts), retries with backoff, and every failure turned into a RemoteError that
// never carries the token. Callers get wire types back.
//
// Retries are a small hand loop rather than axios-retry: a 429 waits for the route's Reset as
// often as the call's deadline allows while other failures have an attempt budget, the verdict
// depends on the parsed envelope (Spot's 429 body, a `Throttling` code inside a 400), and a hung
// request is cut by our own per-attempt deadline. axios-retry would need all of that bolted on.
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import axios, { type AxiosInstance } from "axios";
import pLimit from "p-limit";
import { InterruptedError, UsageError } from "../../errors.js";
import { RateLimitDeadlineError, type RateLimitWait, sharedPacer } from "./rate-limit.js";
import {
  type AttemptOutcome,
  computeDelay,
  defaultRetryPolicy,
  judgeResponse,
  judgeTransportError,
  malformed,
  pastDeadline,
  type RetryPolicy,
  retryInfo,
  type SpotinstRetryInfo,
  toRemoteError,
} from "./retry.js";
import type {
  SpotinstEnvelope,
  SpotinstGroup,
  SpotinstGroupInstance,
  StatefulAction,
  StatefulInstance,
} from "./types.js";

export { describeRateLimitWait, type RateLimitWait } from "./rate-limit.js";
export type { RetryPolicy, SpotinstRetryInfo } from "./retry.js";

export interface SpotinstCredentials {
  token: string;
  accountId: string;
}

export interface SpotinstApiOptions {
  credentials: SpotinstCredentials;
  /** Default https://api.spotinst.io. A path prefix is kept. */
  baseUrl?: string;
  /** Per attempt, the whole request including the body. Default 30000 (Spot's own advice). */
  timeoutMs?: number;
  /** In-flight requests across every call of this client. Default 4. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  onRetry?: (info: SpotinstRetryInfo) => void;
  /** Once per wait for a route's rate limit (Remaining 0, or a 429): what -v shows. */
  onRateLimitWait?: (wait: RateLimitWait) => void;
  /** Aborting cancels in-flight requests and backoff waits with an InterruptedError. */
  signal?: AbortSignal;
  /** Default `rollcall/<package version>`. */
  userAgent?: string;
}

/** Per call: when to give up waiting (rate-limit waits and retries). */
export interface CallOptions {
  /** Epoch ms. Default: now + retry.maxElapsedMs (120 s). */
  deadlineAt?: number;
  /** How an error names the deadline, e.g. "the inventory deadline (120 s, `deadline` in the config)". */
  deadlineName?: string;
  /** Told about each rate-limit wait of this call (besides the client's onRateLimitWait). */
  onRateLimitWait?: (wait: RateLimitWait) => void;
}

export interface SpotinstApi {
  readonly baseUrl: string;
  readonly accountId: string;
  listGroups(o?: CallOptions): Promise<SpotinstGroup[]>;
  getGroup(groupId: string, o?: CallOptions): Promise<SpotinstGroup>;
  /** GET /aws/ec2/group/{id}/status: instances of any group, stateful or not. */
  getGroupStatus(groupId: string, o?: CallOptions): Promise<SpotinstGroupInstance[]>;
  listStatefulInstances(groupId: string, o?: CallOptions): Promise<StatefulInstance[]>;
  /** PUT …/statefulInstance/{ssiId}/{action}. Resolves once Spotinst accepted the action. */
  statefulAction(
    groupId: string,
    ssiId: string,
    action: StatefulAction,
    o?: CallOptions,
  ): Promise<{ requestId?: string }>;
}

export const DEFAULT_SPOTINST_URL = "https://api.spotinst.io";
const STATEFUL_ACTIONS: readonly StatefulAction[] = ["recycle", "pause", "resume", "deallocate"];

// One piece (≈100 lines, ≈20 of its own): a table of short methods over one paced, retrying
// HTTP client.
export function createSpotinstApi(options: SpotinstApiOptions): SpotinstApi {
  const { token, accountId } = options.credentials;
  const secrets = [token];
  const baseUrl = (options.baseUrl ?? DEFAULT_SPOTINST_URL).replace(/\/+$/, "");
  const host = hostOf(baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  const http = createHttp(baseUrl, token, options.userAgent ?? `rollcall/${packageVersion()}`);
  const pacer = sharedPacer(baseUrl, token);

  async function attempt<T>(method: string, path: string): Promise<AttemptOutcome<T>> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const forwardAbort = () => controller.abort();
    options.signal?.addEventListener("abort", forwardAbort, { once: true });
    try {
      const res = await http.request<string>({ method, url: path, signal: controller.signal });
      return judgeResponse<T>(res, secrets);
    } catch (err) {
      if (options.signal?.aborted) throw new InterruptedError();
      return { ok: false, failure: judgeTransportError(err, { timedOut, timeoutMs, host, secrets }) };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", forwardAbort);
    }
  }

  // The concurrency slot is held through every wait on purpose: when a route is throttled,
  // queued calls must not fire into the same 60 s window and push its reset further out.
  async function send<T>(
    method: "GET" | "PUT",
    path: string,
    template: string,
    o: CallOptions = {},
  ): Promise<SpotinstEnvelope<T>> {
    const operation = `${method} ${path}`;
    const route = `${method} ${template}`;
    const started = Date.now();
    const deadlineAt = o.deadlineAt ?? started + policy.maxElapsedMs;
    let failures = 0;
    for (;;) {
      if (options.signal?.aborted) throw new InterruptedError();
      const ticket = await pacer
        .acquire(route, {
          deadlineAt,
          ...(options.signal && { signal: options.signal }),
          listeners: [options.onRateLimitWait, o.onRateLimitWait].filter((f) => f !== undefined),
        })
        .catch((err: unknown) => {
          if (!(err instanceof RateLimitDeadlineError)) throw err;
          const name =
            o.deadlineName ?? `this call's deadline (${Math.round((deadlineAt - started) / 1000)} s)`;
          throw pastDeadline(operation, err, name);
        });
      let outcome: AttemptOutcome<T>;
      try {
        outcome = await attempt<T>(method, path);
      } catch (err) {
        pacer.settle(ticket, { answered: false, throttled: false });
        throw err;
      }
      const rate = outcome.ok ? outcome.rate : outcome.failure.rate;
      pacer.settle(ticket, {
        answered: outcome.ok || outcome.failure.status !== undefined,
        throttled: !outcome.ok && outcome.failure.throttled,
        ...(rate && { headers: rate }),
      });
      if (outcome.ok) return outcome.envelope;
      const { failure } = outcome;
      // A 429 waits in the pacer (above) for the route's Reset; the deadline bounds it.
      if (failure.throttled) continue;
      failures++;
      const elapsed = Date.now() - started;
      if (!failure.retryable || failures >= policy.maxAttempts)
        throw toRemoteError(failure, operation, failures, elapsed);
      const delayMs = computeDelay(failures, policy);
      if (Date.now() + delayMs > deadlineAt) throw toRemoteError(failure, operation, failures, elapsed);
      options.onRetry?.(retryInfo(operation, failures, policy.maxAttempts, delayMs, elapsed, failure));
      await wait(delayMs, options.signal);
    }
  }

  async function listItems<T>(path: string, template: string, o?: CallOptions): Promise<T[]> {
    const envelope = await limit(() => send<T>("GET", path, template, o));
    const items = envelope.response.items;
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) throw malformed(`GET ${path}`, envelope, "response.items is not a list");
    return items;
  }

  return {
    baseUrl,
    accountId,
    listGroups: (o) => listItems<SpotinstGroup>("/aws/ec2/group", "/aws/ec2/group", o),
    async getGroup(groupId, o) {
      const path = `/aws/ec2/group/${segment(groupId)}`;
      const [group] = await listItems<SpotinstGroup>(path, "/aws/ec2/group/{id}", o);
      if (!group) throw malformed(`GET ${path}`, undefined, `no group ${groupId} in the response`);
      return group;
    },
    getGroupStatus: (groupId, o) =>
      listItems<SpotinstGroupInstance>(
        `/aws/ec2/group/${segment(groupId)}/status`,
        "/aws/ec2/group/{id}/status",
        o,
      ),
    // Every group's list shares one budget: Spot counts the templated route.
    listStatefulInstances: (groupId, o) =>
      listItems<StatefulInstance>(
        `/aws/ec2/group/${segment(groupId)}/statefulInstance`,
        "/aws/ec2/group/{id}/statefulInstance",
        o,
      ),
    async statefulAction(groupId, ssiId, action, o) {
      if (!STATEFUL_ACTIONS.includes(action)) {
        throw new UsageError(`unknown stateful action "${action}" (expected ${STATEFUL_ACTIONS.join(", ")})`);
      }
      const path = `/aws/ec2/group/${segment(groupId)}/statefulInstance/${segment(ssiId)}/${action}`;
      const template = `/aws/ec2/group/{id}/statefulInstance/{ssiId}/${action}`;
      const envelope = await limit(() => send<never>("PUT", path, template, o));
      const requestId = envelope.request?.id;
      return typeof requestId === "string" ? { requestId } : {};
    },
  };

  function createHttp(base: string, bearer: string, userAgent: string): AxiosInstance {
    return axios.create({
      baseURL: base,
      // accountId on every call: without it Spotinst silently uses the organisation's oldest account.
      params: { accountId },
      headers: {
        Authorization: `Bearer ${bearer}`,
        Accept: "application/json",
        "Content-Type": "application/json",
        "User-Agent": userAgent,
      },
      // Keep the body as text and every status as a response: judgeResponse decides, so a non-JSON
      // error page or an envelope error never surfaces as a raw AxiosError.
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      // A redirect would replay the Authorization header somewhere we did not choose.
      maxRedirects: 0,
    });
  }
}

async function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch {
    throw new InterruptedError();
  }
}

function segment(id: string): string {
  return encodeURIComponent(id);
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new UsageError(`invalid Spotinst API URL "${baseUrl}"`);
  }
}

let cachedVersion: string | undefined;
function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    // src/cloud and dist/cloud are both two levels below package.json.
    const pkg = createRequire(import.meta.url)("../../package.json") as { version?: unknown };
    cachedVersion = typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    cachedVersion = "0.0.0";
  }
  return cachedVersion;
}
