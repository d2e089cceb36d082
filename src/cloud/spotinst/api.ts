// The Spotinst REST seam: one axios instance, bounded concurrency, retries with backoff, and every
// failure turned into a RemoteError that never carries the token. Callers get wire types back.
//
// Retries are a small hand loop rather than axios-retry: the budget is "maxAttempts AND
// maxElapsedMs, counting the next delay", the verdict depends on the parsed envelope (a
// `Throttling` code inside a 400), and a hung request is cut by our own per-attempt deadline.
// axios-retry could only approximate the elapsed bound through a stateful retryCondition and would
// still need the envelope parsing and a timeout reset; owning ~40 lines is clearer.
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import axios, { type AxiosInstance } from "axios";
import pLimit from "p-limit";
import { InterruptedError, RemoteError, UsageError } from "../../errors.js";
import {
  type AttemptFailure,
  type AttemptOutcome,
  computeDelay,
  defaultRetryPolicy,
  judgeResponse,
  judgeTransportError,
  type RetryPolicy,
  toRemoteError,
} from "./retry.js";
import type {
  SpotinstEnvelope,
  SpotinstGroup,
  SpotinstGroupInstance,
  StatefulAction,
  StatefulInstance,
} from "./types.js";

export type { RetryPolicy } from "./retry.js";

export interface SpotinstCredentials {
  token: string;
  accountId: string;
}

/** What onRetry receives: enough for a -v line, nothing secret. */
export interface SpotinstRetryInfo {
  operation: string;
  /** The attempt that just failed (1-based). */
  attempt: number;
  maxAttempts: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  elapsedMs: number;
  reason: string;
  status?: number;
  code?: string;
  requestId?: string;
  rateLimitRemaining?: number;
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
  /** Aborting cancels in-flight requests and backoff waits with an InterruptedError. */
  signal?: AbortSignal;
  /** Default `rollcall/<package version>`. */
  userAgent?: string;
}

export interface SpotinstApi {
  readonly baseUrl: string;
  readonly accountId: string;
  listGroups(): Promise<SpotinstGroup[]>;
  getGroup(groupId: string): Promise<SpotinstGroup>;
  /** GET /aws/ec2/group/{id}/status: instances of any group, stateful or not. */
  getGroupStatus(groupId: string): Promise<SpotinstGroupInstance[]>;
  listStatefulInstances(groupId: string): Promise<StatefulInstance[]>;
  /** PUT …/statefulInstance/{ssiId}/{action}. Resolves once Spotinst accepted the action. */
  statefulAction(groupId: string, ssiId: string, action: StatefulAction): Promise<{ requestId?: string }>;
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

  // The limiter slot is held through the backoff waits on purpose: when the route is throttled,
  // queued calls must not fire into the same 60 s window and push its reset further out.
  async function send<T>(method: "GET" | "PUT", path: string): Promise<SpotinstEnvelope<T>> {
    const operation = `${method} ${path}`;
    const started = Date.now();
    for (let n = 1; ; n++) {
      if (options.signal?.aborted) throw new InterruptedError();
      const outcome = await attempt<T>(method, path);
      if (outcome.ok) return outcome.envelope;
      const { failure } = outcome;
      const elapsed = Date.now() - started;
      if (!failure.retryable || n >= policy.maxAttempts) throw toRemoteError(failure, operation, n, elapsed);
      const delayMs = computeDelay(n, failure, policy);
      if (elapsed + delayMs > policy.maxElapsedMs) throw toRemoteError(failure, operation, n, elapsed);
      options.onRetry?.(retryInfo(operation, n, policy.maxAttempts, delayMs, elapsed, failure));
      await wait(delayMs, options.signal);
    }
  }

  async function listItems<T>(path: string): Promise<T[]> {
    const envelope = await limit(() => send<T>("GET", path));
    const items = envelope.response.items;
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) throw malformed(`GET ${path}`, envelope, "response.items is not a list");
    return items;
  }

  return {
    baseUrl,
    accountId,
    listGroups: () => listItems<SpotinstGroup>("/aws/ec2/group"),
    async getGroup(groupId) {
      const path = `/aws/ec2/group/${segment(groupId)}`;
      const [group] = await listItems<SpotinstGroup>(path);
      if (!group) throw malformed(`GET ${path}`, undefined, `no group ${groupId} in the response`);
      return group;
    },
    getGroupStatus: (groupId) =>
      listItems<SpotinstGroupInstance>(`/aws/ec2/group/${segment(groupId)}/status`),
    listStatefulInstances: (groupId) =>
      listItems<StatefulInstance>(`/aws/ec2/group/${segment(groupId)}/statefulInstance`),
    async statefulAction(groupId, ssiId, action) {
      if (!STATEFUL_ACTIONS.includes(action)) {
        throw new UsageError(`unknown stateful action "${action}" (expected ${STATEFUL_ACTIONS.join(", ")})`);
      }
      const path = `/aws/ec2/group/${segment(groupId)}/statefulInstance/${segment(ssiId)}/${action}`;
      const envelope = await limit(() => send<never>("PUT", path));
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

function retryInfo(
  operation: string,
  attempt: number,
  maxAttempts: number,
  delayMs: number,
  elapsedMs: number,
  failure: AttemptFailure,
): SpotinstRetryInfo {
  return {
    operation,
    attempt,
    maxAttempts,
    delayMs,
    elapsedMs,
    reason: failure.apiMessage,
    ...(failure.status !== undefined && { status: failure.status }),
    ...(failure.code !== undefined && { code: failure.code }),
    ...(failure.requestId !== undefined && { requestId: failure.requestId }),
    ...(failure.rateLimitRemaining !== undefined && { rateLimitRemaining: failure.rateLimitRemaining }),
  };
}

async function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch {
    throw new InterruptedError();
  }
}

function malformed(operation: string, envelope: SpotinstEnvelope<unknown> | undefined, message: string) {
  const requestId = envelope?.request?.id;
  return new RemoteError({
    service: "spotinst",
    operation,
    apiMessage: message,
    ...(typeof requestId === "string" && { requestId }),
  });
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
