// The Spotinst credentials file in every format the official tools write or read:
//  - JSON, flat {"token","account"} (Go SDK) or keyed by profile;
//  - YAML keyed by profile, `default:` then indented `token:` / `account:` (Python SDK), or flat
//    `token: …` lines (Spot's Ansible collection);
//  - INI, `[profile]` sections with `key = value` or `key: value` (the Go SDK's go-ini and the
//    Python SDK's configparser accept both); keys before any section are a flat file.
// A file whose first character is `{` is JSON; any other is YAML, else INI (the Python SDK's
// order). A file that is none of them gets one line naming each format tried and the line that
// broke it. Nothing from the file's content is ever quoted in a message: it holds a token.
//
// INI is parsed here rather than with the `ini` package: that one rejects `key: value`, nests
// dotted section names, and gives no line numbers, which the error must have.
import { parseDocument } from "yaml";
import type { Issue } from "../../errors.js";

export interface FileCredentials {
  token?: string;
  account?: string;
  /** A file without profiles: its keys apply whatever the profile. */
  flat?: boolean;
  /** Keys a named INI profile borrowed from [default]. */
  borrowed?: ("token" | "account")[];
  /** Profiles the file has, when it has them but not the one asked for. */
  missingProfile?: { profile: string; available: string[] };
}

export type LoadResult = { ok: true; value: FileCredentials } | { ok: false; issue: Issue };

const DEFAULT_PROFILE = "default";
type Attempt = { ok: true; doc: Record<string, unknown>; format: Format } | { ok: false; why: string };
type Format = "JSON" | "YAML" | "INI";

export function parseCredentialsText(text: string, shownFile: string, profile: string): LoadResult {
  const isJson = text.trimStart().startsWith("{");
  const formats: Format[] = isJson ? ["JSON"] : ["YAML", "INI"];
  const failures: string[] = [];
  for (const format of formats) {
    const attempt = format === "JSON" ? tryJson(text) : format === "YAML" ? tryYaml(text) : tryIni(text);
    if (attempt.ok) return interpret(attempt.doc, attempt.format, shownFile, profile);
    failures.push(`not ${format} (${attempt.why})`);
  }
  return {
    ok: false,
    issue: { message: `malformed Spotinst credentials file ${shownFile}: ${failures.join(", ")}` },
  };
}

function interpret(
  doc: Record<string, unknown>,
  format: Format,
  shownFile: string,
  profile: string,
): LoadResult {
  const flat = "token" in doc || "account" in doc || Object.keys(doc).length === 0;
  if (flat) {
    const picked = pick(doc, shownFile, "");
    return picked.ok ? { ok: true, value: { ...picked.value, flat: true } } : picked;
  }
  const section = doc[profile];
  let value: FileCredentials = {};
  if (section !== undefined) {
    if (!isRecord(section))
      return malformedValue(shownFile, `profile "${profile}" must be a mapping of token and account`);
    const picked = pick(section, shownFile, ` [${profile}]`);
    if (!picked.ok) return picked;
    value = picked.value;
  } else {
    value.missingProfile = { profile, available: Object.keys(doc).filter((k) => isRecord(doc[k])) };
  }
  // The Go SDK fills what a named INI profile lacks from [default]; the YAML and JSON readers don't.
  const fallback = doc[DEFAULT_PROFILE];
  if (
    format === "INI" &&
    profile !== DEFAULT_PROFILE &&
    isRecord(fallback) &&
    (!value.token || !value.account)
  ) {
    const picked = pick(fallback, shownFile, ` [${DEFAULT_PROFILE}]`);
    if (picked.ok) {
      value.borrowed = [];
      for (const key of ["token", "account"] as const) {
        if (value[key] || !picked.value[key]) continue;
        value[key] = picked.value[key];
        value.borrowed.push(key);
      }
      if (value.borrowed.length > 0) delete value.missingProfile;
    }
  }
  return { ok: true, value };
}

function pick(record: Record<string, unknown>, shownFile: string, where: string): LoadResult {
  const value: FileCredentials = {};
  for (const key of ["token", "account"] as const) {
    const raw = record[key];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== "string") return malformedValue(shownFile + where, `"${key}" must be a string`);
    if (raw.trim()) value[key] = raw.trim();
  }
  return { ok: true, value };
}

function malformedValue(where: string, what: string): LoadResult {
  return { ok: false, issue: { message: `malformed Spotinst credentials file ${where}: ${what}` } };
}

function tryJson(text: string): Attempt {
  try {
    const doc: unknown = JSON.parse(text);
    return isRecord(doc) ? { ok: true, doc, format: "JSON" } : { ok: false, why: "line 1: not an object" };
  } catch {
    return { ok: false, why: `line ${lineOf(text, jsonErrorOffset(text))}: invalid JSON` };
  }
}

/**
 * Where JSON.parse fails, found by bisection: V8 does not always say (and when it does, it quotes
 * the text, which may hold the token). A prefix that is only cut short fails "at" its own end; one
 * with a real mistake fails earlier, and so does every longer prefix.
 */
function jsonErrorOffset(text: string): number {
  const broken = (k: number) => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (err) {
      const message = (err as Error).message;
      if (/end of JSON input/.test(message)) return false;
      const at = /at position (\d+)/.exec(message);
      return !(at && Number(at[1]) >= k);
    }
  };
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (broken(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

function tryYaml(text: string): Attempt {
  // failsafe: every scalar stays a string, so a token of digits is never turned into a number.
  const doc = parseDocument(text, { schema: "failsafe" });
  const [error] = doc.errors;
  if (error) {
    // The message names the problem; the snippet after "at line" would show the file's text.
    const why = error.message.split(/ at line \d+/)[0];
    return { ok: false, why: `line ${error.linePos?.[0]?.line ?? 1}: ${why}` };
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { ok: true, doc: {}, format: "YAML" };
  if (!isRecord(value)) return { ok: false, why: "line 1: not a mapping of keys" };
  return { ok: true, doc: value, format: "YAML" };
}

const INI_SECTION = /^\[([^\]]+)\]\s*$/;
const INI_KEY = /^([A-Za-z0-9_.-]+)\s*[=:]\s?(.*)$/;

function tryIni(text: string): Attempt {
  const doc: Record<string, unknown> = {};
  let section: Record<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\s+$/, "");
    const bare = line.trimStart();
    if (bare === "" || bare.startsWith("#") || bare.startsWith(";")) continue;
    const header = INI_SECTION.exec(line);
    if (header) {
      const name = header[1]!.trim();
      section = (doc[name] as Record<string, string> | undefined) ?? {};
      doc[name] = section;
      continue;
    }
    const kv = INI_KEY.exec(line);
    if (!kv) return { ok: false, why: `line ${i + 1}: expected "[profile]", "key = value" or "key: value"` };
    (section ?? doc)[kv[1]!] = unquote(kv[2]!.trim());
  }
  return { ok: true, doc, format: "INI" };
}

function unquote(value: string): string {
  const q = value[0];
  return (q === '"' || q === "'") && value.length >= 2 && value.endsWith(q) ? value.slice(1, -1) : value;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
