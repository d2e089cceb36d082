// The Spotinst credential chain, per key: config > env > the SDKs' shared credentials file.
// Environment and home directory are passed in (nothing below cli/ reads process.env). The file is
// read only when a key is still missing, so a broken file never matters to a fully configured run.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseIni } from "ini";
import type { Issue } from "../../errors.js";

export interface ResolveSpotinstCredentialsInput {
  config: { token?: string | undefined; accountId?: string | undefined };
  env: Record<string, string | undefined>;
  homeDir: string;
}

export interface ResolvedSpotinstCredentials {
  token: string;
  accountId: string;
  /** Where the token came from, for -v: "config", "env SPOTINST_API_TOKEN", "file ~/.spotinst/credentials [default]". */
  tokenFrom: string;
  accountFrom: string;
}

export type CredentialsResult =
  | { ok: true; value: ResolvedSpotinstCredentials }
  | { ok: false; issues: Issue[] };

const TOKEN_ENV = ["SPOTINST_API_TOKEN", "SPOTINST_TOKEN"] as const;
const ACCOUNT_ENV = ["SPOTINST_ACCOUNT_ID", "SPOTINST_ACCOUNT"] as const;
/** Go SDK names first, then the Python SDK's. */
const FILE_ENV = ["SPOTINST_CREDENTIALS_FILE", "SPOTINST_SHARED_CREDENTIALS_FILE"] as const;
const PROFILE_ENV = ["SPOTINST_CREDENTIALS_PROFILE", "SPOTINST_PROFILE"] as const;
const DEFAULT_PROFILE = "default";

interface Found {
  value: string;
  from: string;
}

interface FileCredentials {
  token?: string;
  account?: string;
  /** Keys a named INI profile borrowed from [default]. */
  borrowed?: ("token" | "account")[];
}

export async function resolveSpotinstCredentials(
  input: ResolveSpotinstCredentialsInput,
): Promise<CredentialsResult> {
  const { config, env, homeDir } = input;
  let token = fromConfig(config.token) ?? fromEnv(env, TOKEN_ENV);
  let account = fromConfig(config.accountId) ?? fromEnv(env, ACCOUNT_ENV);

  const explicitFile = fromEnv(env, FILE_ENV);
  const file = explicitFile?.value ?? join(homeDir, ".spotinst", "credentials");
  const shownFile = tildify(file, homeDir);
  const profile = fromEnv(env, PROFILE_ENV)?.value ?? DEFAULT_PROFILE;
  const issues: Issue[] = [];

  if (!token || !account) {
    const loaded = await loadCredentialsFile(file, shownFile, profile, explicitFile?.from);
    if (loaded.ok) {
      const { borrowed = [] } = loaded.value;
      const from = (key: "token" | "account") =>
        `file ${shownFile} [${borrowed.includes(key) ? DEFAULT_PROFILE : profile}]`;
      if (!token && loaded.value.token) token = { value: loaded.value.token, from: from("token") };
      if (!account && loaded.value.account) account = { value: loaded.value.account, from: from("account") };
    } else {
      issues.push(loaded.issue);
    }
  }

  // A broken file is the root cause of whatever is missing: report it alone.
  if (issues.length > 0) return { ok: false, issues };
  if (!token) {
    issues.push({
      message: `no Spotinst API token: set token in the config, SPOTINST_API_TOKEN, or ${shownFile}`,
    });
  }
  if (!account) {
    issues.push({
      message: `no Spotinst account id: set accountId in the config, SPOTINST_ACCOUNT_ID, or account in ${shownFile}`,
    });
  }
  if (!token || !account) return { ok: false, issues };
  return {
    ok: true,
    value: { token: token.value, accountId: account.value, tokenFrom: token.from, accountFrom: account.from },
  };
}

function fromConfig(value: string | undefined): Found | undefined {
  const trimmed = value?.trim();
  return trimmed ? { value: trimmed, from: "config" } : undefined;
}

function fromEnv(env: Record<string, string | undefined>, names: readonly string[]): Found | undefined {
  for (const name of names) {
    const trimmed = env[name]?.trim();
    if (trimmed) return { value: trimmed, from: `env ${name}` };
  }
  return undefined;
}

function tildify(file: string, homeDir: string): string {
  return homeDir && file.startsWith(`${homeDir}/`) ? `~${file.slice(homeDir.length)}` : file;
}

type LoadResult = { ok: true; value: FileCredentials } | { ok: false; issue: Issue };

async function loadCredentialsFile(
  file: string,
  shownFile: string,
  profile: string,
  explicitlyFrom: string | undefined,
): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The default file is optional; one the user named explicitly is not.
    if (code === "ENOENT" && !explicitlyFrom) return { ok: true, value: {} };
    const why = code === "ENOENT" ? `does not exist (${explicitlyFrom})` : describeReadError(code);
    return { ok: false, issue: { message: `cannot read Spotinst credentials file ${shownFile}: ${why}` } };
  }
  return text.trimStart().startsWith("{")
    ? parseJsonCredentials(text, file, shownFile, profile)
    : parseIniCredentials(text, file, shownFile, profile);
}

function describeReadError(code: string | undefined): string {
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return code ?? "unknown error";
}

/** Go SDK: a flat {"token","account"}. Python SDK (YAML, of which JSON is a subset): keyed by profile. */
function parseJsonCredentials(text: string, file: string, shownFile: string, profile: string): LoadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    const at = pos ? positionAt(text, Number(pos[1]), file) : undefined;
    return {
      ok: false,
      issue: {
        message: `malformed Spotinst credentials file ${shownFile}: not valid JSON (${message})`,
        ...(at && { at }),
      },
    };
  }
  if (!isRecord(doc)) return notAnObject(shownFile);
  if ("token" in doc || "account" in doc) return pickCredentials(doc, shownFile, "");
  const section = doc[profile];
  if (section === undefined) return { ok: true, value: {} };
  if (!isRecord(section)) return notAnObject(shownFile, profile);
  return pickCredentials(section, shownFile, ` profile "${profile}"`);
}

function pickCredentials(record: Record<string, unknown>, shownFile: string, where: string): LoadResult {
  const value: FileCredentials = {};
  for (const key of ["token", "account"] as const) {
    const raw = record[key];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== "string") {
      return {
        ok: false,
        issue: {
          message: `malformed Spotinst credentials file ${shownFile}${where}: "${key}" must be a string`,
        },
      };
    }
    if (raw.trim()) value[key] = raw.trim();
  }
  return { ok: true, value };
}

function notAnObject(shownFile: string, profile?: string): LoadResult {
  const what = profile ? `profile "${profile}"` : "the file";
  return {
    ok: false,
    issue: { message: `malformed Spotinst credentials file ${shownFile}: ${what} must be a JSON object` },
  };
}

/**
 * INI as the Go SDK reads it: `[profile]` sections with `token` and `account`; a named profile
 * missing a key borrows it from [default]. The `ini` package accepts any line, so lines that are
 * neither a section, a key=value, a comment nor blank are reported here with their line number.
 */
function parseIniCredentials(text: string, file: string, shownFile: string, profile: string): LoadResult {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (/^\[[^\]]+\]$/.test(line) || /^[^=[\]]+=/.test(line)) continue;
    return {
      ok: false,
      issue: {
        message: `malformed Spotinst credentials file ${shownFile}: expected "[profile]" or "key = value"`,
        at: { file, line: i + 1, col: 1 + (lines[i]!.length - lines[i]!.trimStart().length) },
      },
    };
  }
  const doc = parseIni(text) as Record<string, unknown>;
  const chosen = isRecord(doc[profile])
    ? pickCredentials(doc[profile], shownFile, ` [${profile}]`)
    : undefined;
  if (chosen && !chosen.ok) return chosen;
  const value: FileCredentials = chosen?.ok ? chosen.value : {};
  if (profile !== DEFAULT_PROFILE && (!value.token || !value.account) && isRecord(doc[DEFAULT_PROFILE])) {
    const fallback = pickCredentials(doc[DEFAULT_PROFILE], shownFile, ` [${DEFAULT_PROFILE}]`);
    if (fallback.ok) {
      value.borrowed = [];
      for (const key of ["token", "account"] as const) {
        if (value[key] || !fallback.value[key]) continue;
        value[key] = fallback.value[key];
        value.borrowed.push(key);
      }
    }
  }
  return { ok: true, value };
}

function positionAt(text: string, offset: number, file: string): Issue["at"] {
  const before = text.slice(0, offset).split("\n");
  return { file, line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
