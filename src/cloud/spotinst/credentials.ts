// The Spotinst credential chain, per key: config > env > the SDKs' shared credentials file.
// Environment and home directory are passed in (nothing below cli/ reads process.env). The file is
// read only when a key is still missing, so a broken file never matters to a fully configured run.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Issue } from "../../errors.js";
import { type FileCredentials, type LoadResult, parseCredentialsText } from "./credentials-file.js";

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

  let missingProfile = "";
  if (!token || !account) {
    const loaded = await loadCredentialsFile(file, shownFile, profile, explicitFile?.from);
    if (loaded.ok) {
      const { borrowed = [], flat } = loaded.value;
      const from = (key: "token" | "account") =>
        flat
          ? `file ${shownFile}`
          : `file ${shownFile} [${borrowed.includes(key) ? DEFAULT_PROFILE : profile}]`;
      if (!token && loaded.value.token) token = { value: loaded.value.token, from: from("token") };
      if (!account && loaded.value.account) account = { value: loaded.value.account, from: from("account") };
      missingProfile = describeMissingProfile(loaded.value);
    } else {
      issues.push(loaded.issue);
    }
  }

  // A broken file is the root cause of whatever is missing: report it alone.
  if (issues.length > 0) return { ok: false, issues };
  if (!token) {
    issues.push({
      message: `no Spotinst API token: set token in the config, SPOTINST_API_TOKEN, or ${shownFile}${missingProfile}`,
    });
  }
  if (!account) {
    issues.push({
      message: `no Spotinst account id: set accountId in the config, SPOTINST_ACCOUNT_ID, or account in ${shownFile}${missingProfile}`,
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

function describeMissingProfile(value: FileCredentials): string {
  const m = value.missingProfile;
  if (!m) return "";
  const has = m.available.length > 0 ? `; it has ${m.available.join(", ")}` : "";
  return ` (the file has no profile "${m.profile}"${has})`;
}

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
  return parseCredentialsText(text, shownFile, profile);
}

function describeReadError(code: string | undefined): string {
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return code ?? "unknown error";
}
