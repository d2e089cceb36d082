// The Spotinst response envelope and how the fake renders faults in it. Shapes follow
// docs/reference/spotinst-api.md ("Requests and answers", and §1.3 for the 429): items even for
// one object, `errors[]` on failures, action calls answered with a bare status, and the
// documented 429 with a `data` string.
import { STATUS_CODES } from "node:http";
import type { Fault } from "../core/faults.js";
import type { RequestEcho, ResponseStatus, SpotinstApiErrorItem, SpotinstEnvelope } from "./wire.js";

export type RequestInfo = RequestEcho;

export interface Reply {
  status: number;
  /** JSON envelope, or a raw text body (a proxy's HTML error page). */
  body: SpotinstEnvelope | string;
  headers?: Record<string, string>;
}

export function statusOf(code: number): ResponseStatus {
  return { code, message: STATUS_CODES[code] ?? "Unknown" };
}

export function listReply<T>(req: RequestInfo, kind: string, items: T[]): Reply {
  return {
    status: 200,
    body: { request: req, response: { status: statusOf(200), kind, items, count: items.length } },
  };
}

/** recycle / pause / resume / deallocate answer with a status and nothing else. */
export function actionReply(req: RequestInfo): Reply {
  return { status: 200, body: { request: req, response: { status: statusOf(200) } } };
}

export function errorReply(
  req: RequestInfo,
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Reply {
  const errors: SpotinstApiErrorItem[] = [{ code, message }];
  return { status, body: { request: req, response: { status: statusOf(status), errors } }, headers };
}

/** Spot's documented 429 body; the rate-limit headers are added by the server. */
export function rateLimitedReply(req: RequestInfo): Reply {
  return {
    status: 429,
    body: { request: req, response: { status: statusOf(429), data: "Rate limit exceeded" } },
  };
}

/** How an injected server error looks on the wire (throttles go through the limiter, hangs never get here). */
export function faultReply(req: RequestInfo, fault: Extract<Fault, { kind: "server-error" }>): Reply {
  if (fault.status === 502) {
    // What a load balancer in front of the API sends: not JSON at all.
    return {
      status: 502,
      body: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n",
      headers: { "content-type": "text/html" },
    };
  }
  const code = fault.status === 503 ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR";
  return errorReply(req, fault.status, code, "The service failed to handle the request, please retry");
}
