// The AWS wire protocols the SDK v3 clients speak to the simulator: form-encoded query
// requests in, XML out. EC2 (ec2Query) flattens lists as `Filter.1.Value.1` and answers with
// `<XResponse><requestId>…`; Auto Scaling (awsQuery) nests lists as `Filters.member.1` and
// wraps answers in `<XResult>` plus `<ResponseMetadata>`. Element names follow the SDK's own
// schemas (node_modules/@aws-sdk/client-*/dist-cjs), so the real deserializers read them.
import { randomUUID } from "node:crypto";
import { XMLBuilder } from "fast-xml-parser";

export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";
export const AUTOSCALING_XMLNS = "https://autoscaling.amazonaws.com/doc/2011-01-01/";
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

export type AwsService = "ec2" | "autoscaling" | "sts";

/** A parsed query request: `Filter.1.Name=x` becomes { Filter: { "1": { Name: "x" } } }. */
export type QueryNode = { [key: string]: QueryNode | string };

export function parseQuery(body: string): { action: string; version: string; params: QueryNode } {
  const params: QueryNode = {};
  const search = new URLSearchParams(body);
  for (const [key, value] of search) {
    const parts = key.split(".");
    let node = params;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      const next = node[part];
      if (typeof next === "object") node = next;
      else {
        const created: QueryNode = {};
        node[part] = created;
        node = created;
      }
    }
    node[parts[parts.length - 1]!] = value;
  }
  const action = typeof params.Action === "string" ? params.Action : "";
  const version = typeof params.Version === "string" ? params.Version : "";
  return { action, version, params };
}

export function str(node: QueryNode, key: string): string | undefined {
  const v = node[key];
  return typeof v === "string" ? v : undefined;
}

export function int(node: QueryNode, key: string): number | undefined {
  const v = str(node, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new AwsFault(400, "ValidationError", `Invalid value '${v}' for ${key}`);
  return n;
}

export function bool(node: QueryNode, key: string): boolean | undefined {
  const v = str(node, key);
  return v === undefined ? undefined : v === "true";
}

/**
 * The items of a list parameter, in index order. EC2 lists are flat (`InstanceId.1`); query
 * lists go through `member` (`AutoScalingGroupNames.member.1`).
 */
export function list(node: QueryNode, key: string, style: "flat" | "member"): (QueryNode | string)[] {
  let container = node[key];
  if (style === "member" && typeof container === "object") container = container.member;
  if (typeof container !== "object") return [];
  return Object.keys(container)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => container[k]!);
}

export function strings(node: QueryNode, key: string, style: "flat" | "member"): string[] {
  return list(node, key, style).filter((v): v is string => typeof v === "string");
}

export function structs(node: QueryNode, key: string, style: "flat" | "member"): QueryNode[] {
  return list(node, key, style).filter((v): v is QueryNode => typeof v === "object");
}

/** An error the handlers throw; the server renders it in the service's error shape. */
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
  }
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  suppressEmptyNode: false,
});

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Drop null/undefined members (the builder would render null as an empty element). */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = clean(v);
    return out;
  }
  return value;
}

export function renderSuccess(service: AwsService, action: string, requestId: string, body: object): string {
  if (service === "ec2") {
    return (
      DECLARATION +
      builder.build({
        [`${action}Response`]: { "@_xmlns": EC2_XMLNS, requestId, ...(clean(body) as object) },
      })
    );
  }
  const xmlns = service === "sts" ? STS_XMLNS : AUTOSCALING_XMLNS;
  const result = Object.keys(body).length > 0 ? { [`${action}Result`]: clean(body) } : {};
  return (
    DECLARATION +
    builder.build({
      [`${action}Response`]: { "@_xmlns": xmlns, ...result, ResponseMetadata: { RequestId: requestId } },
    })
  );
}

export function renderError(service: AwsService, fault: AwsFault, requestId: string): string {
  if (service === "ec2") {
    return (
      DECLARATION +
      builder.build({
        Response: { Errors: { Error: { Code: fault.code, Message: fault.message } }, RequestID: requestId },
      })
    );
  }
  return (
    DECLARATION +
    builder.build({
      ErrorResponse: {
        "@_xmlns": service === "sts" ? STS_XMLNS : AUTOSCALING_XMLNS,
        Error: { Type: fault.type, Code: fault.code, Message: fault.message },
        RequestId: requestId,
      },
    })
  );
}

/** EC2 lists render as `<xSet><item>…</item></xSet>`. */
export function items<T>(values: readonly T[]): { item: T[] } {
  return { item: [...values] };
}

/** Query-protocol lists render as `<Xs><member>…</member></Xs>`. */
export function members<T>(values: readonly T[]): { member: T[] } {
  return { member: [...values] };
}

export function newRequestId(): string {
  return randomUUID();
}

export interface SigV4Scope {
  accessKeyId: string;
  region: string;
  service: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ec2/aws4_request, SignedHeaders=…` */
export function parseAuthorization(header: string | undefined): SigV4Scope | undefined {
  if (!header) return undefined;
  const m = /Credential=([^/\s,]+)\/\d{8}\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/.exec(header);
  if (!m) return undefined;
  return { accessKeyId: m[1]!, region: m[2]!, service: m[3]! };
}

/** Opaque pagination tokens: the offset into a stable ordering, tied to the action. */
export function paginate<T>(
  all: readonly T[],
  action: string,
  token: string | undefined,
  requested: number | undefined,
  pageSize: number,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (token) {
    const decoded = decodeToken(token);
    if (!decoded || decoded.action !== action) {
      throw new AwsFault(
        400,
        action.startsWith("Describe") ? "InvalidNextToken" : "ValidationError",
        "The specified token is invalid.",
      );
    }
    start = decoded.offset;
  }
  const size = Math.max(1, Math.min(requested ?? pageSize, pageSize));
  const page = all.slice(start, start + size);
  const end = start + page.length;
  return { page, nextToken: end < all.length ? encodeToken(action, end) : undefined };
}

function encodeToken(action: string, offset: number): string {
  return Buffer.from(JSON.stringify({ a: action, o: offset })).toString("base64url");
}

function decodeToken(token: string): { action: string; offset: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { a?: unknown; o?: unknown };
    if (typeof v.a === "string" && typeof v.o === "number" && Number.isInteger(v.o) && v.o >= 0) {
      return { action: v.a, offset: v.o };
    }
  } catch {
    // fall through: an unreadable token is an invalid one
  }
  return undefined;
}
