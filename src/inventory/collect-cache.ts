// The cache side of collecting an inventory, loaded only when the config has the cache on: which
// store (directory or Redis), one single-flight fetch per source, the keys a recycle invalidates,
// and what the built output depends on (for the lean path, src/cache/lean-output.ts).
import { recordEnvReads } from "../cache/env-reads.js";
import type { LeanInputs, LeanManifest } from "../cache/lean-output.js";
import { obtain } from "../cache/single-flight.js";
import {
  cacheKey,
  fileStoreKey,
  type OpenSourceCacheOptions,
  openSourceCache,
} from "../cache/source-cache.js";
import type { InventoryConfig, SourceConfig } from "../config/inventory-config.js";
import { RemoteError } from "../errors.js";
import type { InventoryNote } from "./model.js";
import type { InventorySource, SourceContext } from "./sources/types.js";

export type { LeanInputs } from "../cache/lean-output.js";

export interface CacheRun {
  /** The environment to give the sources: reads are recorded for the built output's key. */
  env: Record<string, string | undefined>;
  /** The source's raw result, from the cache or fetched once for everyone waiting on it. */
  obtain(
    // biome-ignore lint/suspicious/noExplicitAny: each source has its own config and raw types
    impl: InventorySource<any, any>,
    source: SourceConfig,
    label: string,
    sctx: SourceContext,
  ): Promise<unknown>;
  keys(): string[];
  invalidator(): () => Promise<void>;
  /** Defined when every source's result is what the cache now holds (so the output may be cached). */
  leanInputs(): LeanInputs | undefined;
  /** A source was skipped or served stale: do not cache the built output. */
  spoilLean(): void;
  close(): Promise<void>;
}

interface Context {
  env: Record<string, string | undefined>;
  homeDir: string;
  cacheDir: string;
  refreshCache?: boolean;
  signal?: AbortSignal;
}

export async function openCacheRun(
  config: InventoryConfig,
  ctx: Context,
  note: (n: InventoryNote) => void,
): Promise<CacheRun> {
  const settings = storeSettings(config, ctx, note);
  const cache = await openSourceCache(settings);
  const reads = recordEnvReads(ctx.env);
  const freshMs = config.cache.ttl * 1000;
  const staleMs = config.cache.stale_while_revalidate * 1000;
  const keys: string[] = [];
  const raws = new Map<number, { storeKey: string; version: number; freshUntil: number }>();
  const files = new Set<string>();
  let spoiled = cache.kind !== "file" || !(freshMs > 0);

  return {
    env: reads.env,
    async obtain(impl, source, label, sctx) {
      const index = config.sources.indexOf(source);
      const key = cacheKey({ type: source.type, ...(await impl.cacheIdentity(source, sctx)) });
      keys.push(key);
      for (const f of impl.identityFiles?.(source, sctx) ?? []) files.add(f);
      const got = await obtain(cache, {
        key,
        freshMs,
        staleMs,
        refresh: ctx.refreshCache === true,
        lockWaitMs: config.cache.lock_wait * 1000,
        fetch: () => impl.fetch(source, sctx),
        isTransient,
        note: (message) => note({ level: "verbose", message: `source ${label}: ${message}` }),
        signal: ctx.signal,
      });
      if (got.from === "cache" || got.from === "peer") {
        note({ level: "verbose", message: `source ${label}: from cache` });
      }
      if (got.cached?.version !== undefined) {
        raws.set(index, {
          storeKey: fileStoreKey(key),
          version: got.cached.version,
          freshUntil: got.cached.freshUntil,
        });
      } else if (freshMs > 0) {
        spoiled = true;
      }
      return got.data;
    },
    keys: () => [...keys],
    invalidator() {
      const invalidated = [...keys];
      return async () => {
        const again = await openSourceCache(settings);
        try {
          await again.delete(invalidated);
        } finally {
          await again.close();
        }
      };
    },
    leanInputs() {
      if (spoiled || reads.enumerated()) return undefined;
      const ordered = [...raws.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
      const manifest: LeanManifest = {
        env: reads.names(),
        files: [...files],
        raws: ordered.map((r) => r.storeKey),
        staleMs,
      };
      const freshUntil = Math.min(Date.now() + freshMs, ...ordered.map((r) => r.freshUntil));
      return { manifest, versions: ordered.map((r) => r.version), freshUntil };
    },
    spoilLean: () => {
      spoiled = true;
    },
    close: () => cache.close(),
  };
}

function storeSettings(
  config: InventoryConfig,
  ctx: Context,
  note: (n: InventoryNote) => void,
): OpenSourceCacheOptions {
  const { url, password_env, key_prefix } = config.cache;
  return {
    dir: ctx.cacheDir,
    redis: url ? { url, password: ctx.env[password_env] || undefined, keyPrefix: key_prefix } : undefined,
    onProblem: (message) => note({ level: "verbose", message }),
  };
}

/** Errors a stale result may stand in for: throttling, server errors, no answer at all. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof RemoteError)) return false;
  const { status, code } = error.data;
  if (status === undefined) return true;
  return status === 429 || status >= 500 || /thrott|limitexceeded|toomanyrequests/i.test(code ?? "");
}
