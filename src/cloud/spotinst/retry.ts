// How one Spotinst HTTP attempt is judged: success, a rate-limited answer, a retryable failure,
// or a final one. Pure functions over the axios result, so api.ts only owns the loop and timers.
// Every text that leaves this file has been through redact(…, secrets): axios errors carry the
// request config (headers included), so only their code and our own words are ever reused.
import type { AxiosResponse } from "axios";
import { RemoteError, redact } from "../../errors.js";
import { type RateLimitDeadlineError, type RateLimitHeaders, readRateLimitHeaders } from "./rate-limit.js";
import type { SpotinstEnvelope } from "./types.js";

/**
 * Retries of failures other than rate limiting (5xx, timeouts, network errors). A 429 is not an
 * attempt that failed: it waits for X-RateLimit-Reset (see rate-limit.ts) as often as the call's
 * deadline allows.
 */
export interface RetryPolicy {
  /** Attempts in total, the first included (429s not counted). */
  maxAttempts: number;
  /** The call's deadline when the caller sets none: no wait may end after it. */
  maxElapsedMs: number;
  /** First backoff step; doubles per attempt. */
  baseDelayMs: number;
  /** Cap of one backoff step. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  maxElapsedMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

/** Spot's documented 429 body: `response.data`, no `errors[]`. */
const RATE_LIMIT_DATA = "Rate limit exceeded";

/** Codes Spotinst (and asiaq's field notes) use for rate limiting inside an error envelope. */
const THROTTLE_CODES = new Set(["Throttling", "RequestLimitExceeded"]);

/** Transport error codes worth another attempt: the request may not have reached the API. */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
  "ERR_NETWORK",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/** A failed attempt, described with data only (no axios object survives this file). */
export interface AttemptFailure {
  retryable: boolean;
  /** 429, Spot's rate-limit body, or a throttling code: wait for the route's Reset. */
  throttled: boolean;
  status?: number;
  code?: string;
  requestId?: string;
  apiMessage: string;
  rate?: RateLimitHeaders;
}

export type AttemptOutcome<T> =
  | { ok: true; envelope: SpotinstEnvelope<T>; rate?: RateLimitHeaders }
  | { ok: false; failure: AttemptFailure };

/** Judge a response whose body was kept as text (axios never parses it for us). */
export function judgeResponse<T>(res: AxiosResponse<string>, secrets: readonly string[]): AttemptOutcome<T> {
  const status = res.status;
  const envelope = parseEnvelope<T>(res.data);
  const errors = Array.isArray(envelope?.response.errors) ? envelope.response.errors : [];
  const apiStatus = envelope?.response.status?.code;
  const throttledBody =
    errors.some((e) => THROTTLE_CODES.has(e?.code)) || envelope?.response.data === RATE_LIMIT_DATA;
  const httpOk = status >= 200 && status < 300;
  const apiOk = typeof apiStatus !== "number" || (apiStatus >= 200 && apiStatus < 300);
  const rate = readRateLimitHeaders((name) => headerOf(res, name));
  if (envelope && httpOk && apiOk && !throttledBody) return { ok: true, envelope, ...(rate && { rate }) };

  const effective = httpOk && typeof apiStatus === "number" ? apiStatus : status;
  const throttled = effective === 429 || apiStatus === 429 || throttledBody;
  const failure: AttemptFailure = {
    retryable: throttled || effective >= 500,
    throttled,
    status: effective,
    apiMessage: describeFailure(res, envelope, effective, secrets),
  };
  const code = errors.find((e) => typeof e?.code === "string")?.code;
  if (code) failure.code = redact(code, secrets);
  if (typeof envelope?.request?.id === "string") failure.requestId = envelope.request.id;
  if (rate) failure.rate = rate;
  return { ok: false, failure };
}

function describeFailure<T>(
  res: AxiosResponse<string>,
  envelope: SpotinstEnvelope<T> | undefined,
  status: number,
  secrets: readonly string[],
): string {
  const messages = (envelope?.response.errors ?? [])
    .map((e) => (typeof e?.message === "string" ? e.message : ""))
    .filter(Boolean);
  let text: string;
  if (!envelope) text = `response was not a Spotinst JSON envelope: ${JSON.stringify(snippet(res.data))}`;
  else if (messages.length > 0) text = messages.join("; ");
  else if (typeof envelope.response.data === "string" && envelope.response.data)
    text = envelope.response.data;
  else text = envelope.response.status?.message || res.statusText || `HTTP ${status}`;
  // Say what a 401 means without ever echoing what was sent.
  if (status === 401) text = `the Spotinst API token was rejected (invalid or expired): ${text}`;
  return redact(text, secrets);
}

function snippet(body: unknown): string {
  const text = typeof body === "string" ? body : String(body ?? "");
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

/** A body is an envelope when it is JSON with a `response` object; anything else is not Spotinst. */
export function parseEnvelope<T>(body: unknown): SpotinstEnvelope<T> | undefined {
  if (typeof body !== "string" || body.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !isObject(parsed.response)) return undefined;
  return parsed as unknown as SpotinstEnvelope<T>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function headerOf(res: AxiosResponse, name: string): string | undefined {
  const value: unknown = res.headers?.[name];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** Describe an attempt that produced no response (network error, timeout, our own abort). */
export function judgeTransportError(
  err: unknown,
  context: { timedOut: boolean; timeoutMs: number; host: string; secrets: readonly string[] },
): AttemptFailure {
  if (context.timedOut) {
    return { retryable: true, throttled: false, apiMessage: `timed out after ${context.timeoutMs} ms` };
  }
  const code = errorCode(err);
  const hostname = context.host.replace(/:\d+$/, "");
  switch (code) {
    case "ECONNREFUSED":
      return { retryable: true, throttled: false, apiMessage: `connection refused to ${context.host}` };
    case "ECONNRESET":
      return { retryable: true, throttled: false, apiMessage: `connection reset by ${context.host}` };
    case "ENOTFOUND":
      // A typo in SPOTINST_API_URL does not heal by waiting.
      return { retryable: false, throttled: false, apiMessage: `cannot resolve host ${hostname}` };
    case "ECONNABORTED":
    case "ETIMEDOUT":
      return { retryable: true, throttled: false, apiMessage: `timed out after ${context.timeoutMs} ms` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    retryable: code !== undefined && RETRYABLE_NETWORK_CODES.has(code),
    throttled: false,
    apiMessage: redact(`${code ? `${code}: ` : ""}${message} (${context.host})`, context.secrets),
  };
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") return code;
  // Node puts the socket error's code on `cause` for some fetch-like paths.
  return errorCode((err as { cause?: unknown }).cause);
}

/** Backoff before retrying a 5xx, timeout or network failure: exponential, full jitter. */
export function computeDelay(attempt: number, policy: RetryPolicy): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * step);
}

/** The error the caller sees once retries are exhausted or pointless. */
export function toRemoteError(
  failure: AttemptFailure,
  operation: string,
  attempts: number,
  elapsedMs: number,
): RemoteError {
  const giveUp =
    attempts > 1 ? ` (gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s)` : "";
  return new RemoteError({
    service: "spotinst",
    operation,
    ...(failure.status !== undefined && { status: failure.status }),
    ...(failure.requestId !== undefined && { requestId: failure.requestId }),
    ...(failure.code !== undefined && { code: failure.code }),
    apiMessage: failure.apiMessage + giveUp,
  });
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
}

export function retryInfo(
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
  };
}

/** A rate-limit wait that would end after the call's deadline: fail now, saying so in numbers. */
export function pastDeadline(operation: string, err: RateLimitDeadlineError, deadlineName: string) {
  return new RemoteError({
    service: "spotinst",
    operation,
    status: 429,
    apiMessage:
      `rate limited on ${err.route}: the next request is allowed in ${Math.ceil(err.waitMs / 1000)} s, ` +
      `after ${deadlineName}`,
  });
}

export function malformed(
  operation: string,
  envelope: SpotinstEnvelope<unknown> | undefined,
  message: string,
) {
  const requestId = envelope?.request?.id;
  return new RemoteError({
    service: "spotinst",
    operation,
    apiMessage: message,
    ...(typeof requestId === "string" && { requestId }),
  });
}
