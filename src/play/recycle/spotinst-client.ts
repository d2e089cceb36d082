// Spotinst clients for play modules. The play session creates one pool per run and hands it to modules as
// `services.spotinst`, so every task of a run shares one client per (API URL, account, token): the
// concurrency limit and the retry budget then hold for the run, not per task — a serial-10 recycle
// must not send 10× the request rate the inventory would.
import { createHash } from "node:crypto";
import {
  DEFAULT_SPOTINST_URL,
  type RateLimitWait,
  type SpotinstApi,
  type SpotinstRetryInfo,
} from "../../cloud/spotinst/api.js";

export interface SpotinstClientRequest {
  /** The module's `api_token`: wins over the environment and the credentials file. */
  token?: string;
  /** `account_id`, else the host's `spotinst_accountId`: wins over env and file. */
  accountId?: string;
  /** `api_url`: wins over SPOTINST_API_URL. */
  apiUrl?: string;
}

export type SpotinstClientResult =
  | { ok: true; api: SpotinstApi }
  /** The credential chain had nothing usable; `msg` never holds a secret. */
  | { ok: false; msg: string };

export interface SpotinstClientPool {
  client(request: SpotinstClientRequest): Promise<SpotinstClientResult>;
}

declare module "../modules/types.js" {
  interface PlayServices {
    /** Spotinst clients shared by the run (the session provides one; modules fall back to their own). */
    spotinst?: SpotinstClientPool;
  }
}

export interface SpotinstPoolOptions {
  /** SPOTINST_API_TOKEN / SPOTINST_ACCOUNT_ID / SPOTINST_API_URL / credentials-file variables. */
  env: Record<string, string | undefined>;
  /** For ~/.spotinst/credentials. */
  homeDir: string;
  /** Cancels in-flight requests and backoff waits (Ctrl-C). */
  signal?: AbortSignal;
  onRetry?: (info: SpotinstRetryInfo) => void;
  /** Once per rate-limit wait (what -v prints). */
  onRateLimitWait?: (wait: RateLimitWait) => void;
  /** Per-attempt timeout; default the client's (30 s). */
  timeoutMs?: number;
  concurrency?: number;
}

export function createSpotinstClientPool(options: SpotinstPoolOptions): SpotinstClientPool {
  const clients = new Map<string, Promise<SpotinstClientResult>>();
  return {
    client(request) {
      // Keyed by a hash: the token must not sit in a map key that could end up in a dump.
      const key = createHash("sha256")
        .update(JSON.stringify([request.apiUrl ?? "", request.accountId ?? "", request.token ?? ""]))
        .digest("hex");
      let found = clients.get(key);
      if (!found) {
        found = open(request, options);
        clients.set(key, found);
      }
      return found;
    },
  };
}

async function open(request: SpotinstClientRequest, o: SpotinstPoolOptions): Promise<SpotinstClientResult> {
  const { resolveSpotinstCredentials } = await import("../../cloud/spotinst/credentials.js");
  const resolved = await resolveSpotinstCredentials({
    config: { token: request.token, accountId: request.accountId },
    env: o.env,
    homeDir: o.homeDir,
  });
  if (!resolved.ok) return { ok: false, msg: resolved.issues.map((i) => i.message).join("; ") };
  const { createSpotinstApi } = await import("../../cloud/spotinst/api.js");
  const api = createSpotinstApi({
    baseUrl: request.apiUrl ?? o.env.SPOTINST_API_URL ?? DEFAULT_SPOTINST_URL,
    credentials: { token: resolved.value.token, accountId: resolved.value.accountId },
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    // Stateful routes are rate limited per route across the organisation: stay gentle.
    concurrency: o.concurrency ?? 2,
    ...(o.signal && { signal: o.signal }),
    ...(o.onRetry && { onRetry: o.onRetry }),
    ...(o.onRateLimitWait && { onRateLimitWait: o.onRateLimitWait }),
  });
  return { ok: true, api };
}
