// The Spotinst response envelope and how the fake renders faults in it. Shapes follow
// docs/reference/spotinst-api.md ("Requests and answers"): items even for one object, `errors[]` on failures,
// and action calls answered with a bare status.
import { STATUS_CODES } from "node:http";
import type { Fault } from "../core/faults.js";
import type { SpotinstApiErrorItem, SpotinstEnvelope } from "./wire.js";

export interface RequestInfo {
  id: string;
  url: string;
  method: string;
  timestamp: string;
}

export interface Reply {
  status: number;
  /** JSON envelope, or a raw text body (a proxy's HTML error page). */
  body: SpotinstEnvelope<unknown> | string;
  headers?: Record<string, string>;
}

export function statusOf(code: number): { code: number; message: string } {
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

/** How an injected or random fault looks on the wire (hangs never get this far). */
export function faultReply(req: RequestInfo, fault: Exclude<Fault, { kind: "none" | "hang" }>): Reply {
  if (fault.kind === "throttle") {
    return errorReply(req, 429, "RequestLimitExceeded", "Request limit exceeded, please retry later", {
      "retry-after": String(fault.retryAfterSec),
      "x-ratelimit-remaining": "0",
    });
  }
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
