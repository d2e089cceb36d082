// uri: an HTTP request with Ansible's result shape (status, json, content, msg), enough for a
// health check with `until`. Read-only methods also run in check mode; others are skipped there.
import { z } from "zod";
import { bool, int, list, num, str, strMap } from "./params.js";
import type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";

const params = z.strictObject({
  url: str(),
  method: str().optional(),
  headers: strMap().optional(),
  body: z.unknown().optional(),
  body_format: z.enum(["raw", "json", "form-urlencoded"]).optional(),
  status_code: list(int()).optional(),
  return_content: bool().optional(),
  timeout: num().optional(),
  validate_certs: bool().optional(),
  follow_redirects: z.enum(["all", "safe", "none", "yes", "no", "urllib2"]).optional(),
});
type Params = z.output<typeof params>;

export const uriModule: ModuleDef<Params> = {
  name: "uri",
  params,
  checkMode: "supported",
  check: (p) => (/^https?:\/\//i.test(p.url) ? undefined : `url must be http:// or https://, got '${p.url}'`),
  run: (p, ctx) => request(p, ctx),
};

async function request(p: Params, ctx: ModuleContext): Promise<ModuleResult> {
  const method = (p.method ?? "GET").toUpperCase();
  const expected = p.status_code ?? [200];
  if (ctx.checkMode && method !== "GET" && method !== "HEAD") {
    return { changed: false, skipped: true, msg: `Would send ${method} ${p.url} (check mode)` };
  }
  const headers: Record<string, string> = { ...p.headers };
  const body = encodeBody(p, headers);
  const start = ctx.now();
  const elapsed = () => Math.floor((ctx.now() - start) / 1000);
  const timeout = AbortSignal.timeout((p.timeout ?? 30) * 1000);
  const redirect = p.follow_redirects === "none" || p.follow_redirects === "no" ? "manual" : "follow";
  let res: Response;
  try {
    res = await fetch(p.url, {
      method,
      headers,
      body,
      redirect,
      signal: AbortSignal.any([ctx.signal, timeout]),
    });
  } catch (err) {
    const reason = timeout.aborted ? "timed out" : describeFetchError(err);
    return {
      changed: false,
      failed: true,
      status: -1,
      url: p.url,
      elapsed: elapsed(),
      msg: `Status code was -1 and not [${expected.join(", ")}]: Request failed: <urlopen error ${reason}>`,
    };
  }
  const text = await res.text();
  // Ansible's shape: each response header as a result field (lower case, "-" → "_"), then the
  // module's own fields over them. A header never sets a field the module or the engine reads
  // (a `Status: 200` header on a 503, a `Failed: false` or `Rc: 0` header): the server is data.
  const result: ModuleResult = {};
  res.headers.forEach((value, name) => {
    const key = name.toLowerCase().replaceAll("-", "_");
    if (!RESERVED_RESULT_FIELDS.has(key) && !key.startsWith("ansible_") && !key.startsWith("_ansible"))
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  });
  result.changed = false;
  result.status = res.status;
  result.url = res.url || p.url;
  result.redirected = res.redirected;
  result.cookies = {};
  result.elapsed = elapsed();
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      result.json = JSON.parse(text);
    } catch {
      // Not JSON after all: keep content only.
    }
  }
  if (p.return_content) result.content = text;
  if (!expected.includes(res.status)) {
    return {
      ...result,
      failed: true,
      content: text,
      msg: `Status code was ${res.status} and not [${expected.join(", ")}]: HTTP Error ${res.status}: ${res.statusText}`,
    };
  }
  result.msg = `OK (${Buffer.byteLength(text)} bytes)`;
  return result;
}

/** Result fields the module sets or the engine reads: never taken from a response header. */
const RESERVED_RESULT_FIELDS: ReadonlySet<string> = new Set([
  "changed",
  "failed",
  "skipped",
  "unreachable",
  "rc",
  "msg",
  "status",
  "url",
  "redirected",
  "cookies",
  "cookies_string",
  "elapsed",
  "json",
  "content",
  "path",
  "item",
  "invocation",
  "results",
  "warnings",
  "deprecations",
  "attempts",
  "stdout",
  "stderr",
]);

function encodeBody(p: Params, headers: Record<string, string>): string | undefined {
  if (p.body === undefined || p.body === null) return undefined;
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (p.body_format === "json") {
    if (!has("content-type")) headers["Content-Type"] = "application/json";
    return typeof p.body === "string" ? p.body : JSON.stringify(p.body);
  }
  if (p.body_format === "form-urlencoded" && typeof p.body === "object") {
    if (!has("content-type")) headers["Content-Type"] = "application/x-www-form-urlencoded";
    return new URLSearchParams(p.body as Record<string, string>).toString();
  }
  return typeof p.body === "string" ? p.body : JSON.stringify(p.body);
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "[Errno 111] Connection refused";
  return cause?.message ?? (err as Error).message;
}
