// Config → sources (through the cache) → HostRecords → Inventory.
import {
  type InventoryConfig,
  loadInventoryConfig,
  type SourceConfig,
  sourceLabel,
} from "../config/inventory-config.js";
import { ExitCode, RemoteError, RollcallError } from "../errors.js";
import { buildInventory } from "./build.js";
import { createComposer, createKeyEvaluator } from "./compose.js";
import type { HostRecord, Inventory, InventoryNote } from "./model.js";
import { awsSource } from "./sources/aws.js";
import { spotinstSource } from "./sources/spotinst.js";
import { staticSource } from "./sources/static.js";
import type { InventorySource, SourceContext } from "./sources/types.js";

export interface InventoryContext {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Directory of the cache file ($XDG_CACHE_HOME/rollcall). */
  cacheDir: string;
  /** Bypass the cache and rewrite it. */
  refreshCache?: boolean;
  note?: (note: InventoryNote) => void;
  signal?: AbortSignal;
  /** Told which cache entries the inventory came from, so a recycle can invalidate them. */
  onCacheKeys?: (keys: string[]) => void;
}

// biome-ignore lint/suspicious/noExplicitAny: each source has its own config and raw types
type AnySource = InventorySource<any, any>;

const SOURCES: Readonly<Record<string, AnySource>> = {
  spotinst: spotinstSource,
  aws: awsSource,
  static: staticSource,
};

export async function loadInventory(configFile: string, ctx: InventoryContext): Promise<Inventory> {
  const { config } = await loadInventoryConfig(configFile);
  return (await collectInventory(config, configFile, ctx)).inventory;
}

export async function collectInventory(
  config: InventoryConfig,
  configFile: string,
  ctx: InventoryContext,
): Promise<{ inventory: Inventory; records: HostRecord[]; cacheKeys: string[] }> {
  const note = ctx.note ?? (() => {});
  const sctx: SourceContext = { env: ctx.env, homeDir: ctx.homeDir, note, signal: ctx.signal };
  const cache = config.cache.enabled ? await openCache(ctx.cacheDir) : undefined;
  const cacheKeys: string[] = [];
  try {
    const perSource = await Promise.all(
      config.sources.map((source, i) =>
        collectSource(source, sourceLabel(source, i), config, sctx, cache, ctx, cacheKeys),
      ),
    );
    ctx.onCacheKeys?.(cacheKeys);
    const records = perSource.flat();
    const compose = await createComposer(config.compose, configFile, ctx.env);
    const evaluateKey = await createKeyEvaluator(
      config.keyed_groups.map((k) => k.key),
      configFile,
      ctx.env,
    );
    const { inventory, notes } = buildInventory(records, {
      hostnames: config.hostnames,
      sanitizeGroupNames: config.sanitize_group_names,
      parentGroups: config.parent_groups,
      keyedGroups: config.keyed_groups,
      compose,
      evaluateKey,
    });
    for (const n of notes) note(n);
    return { inventory, records, cacheKeys };
  } finally {
    await cache?.close();
  }
}

type Cache = Awaited<ReturnType<typeof openCache>>;

async function openCache(dir: string) {
  const { openSourceCache } = await import("../cache/source-cache.js");
  return openSourceCache({ dir });
}

async function collectSource(
  source: SourceConfig,
  label: string,
  config: InventoryConfig,
  sctx: SourceContext,
  cache: Cache | undefined,
  ctx: InventoryContext,
  cacheKeys: string[],
): Promise<HostRecord[]> {
  const impl = SOURCES[source.type];
  if (!impl) throw new RollcallError(`source ${label}: unsupported type ${source.type}`, ExitCode.usage);
  try {
    // The static source has nothing remote to cache.
    const cacheable = cache && source.type !== "static" && config.cache.ttl > 0;
    let key: string | undefined;
    let raw: unknown;
    if (cacheable) {
      const { cacheKey } = await import("../cache/source-cache.js");
      key = cacheKey({ type: source.type, ...(await impl.cacheIdentity(source, sctx)) });
      cacheKeys.push(key);
      if (!ctx.refreshCache) raw = await cache.get(key);
    }
    if (raw === undefined) {
      raw = await impl.fetch(source, sctx);
      if (cacheable && key) await cache.set(key, raw, config.cache.ttl * 1000);
    } else {
      sctx.note({ level: "verbose", message: `source ${label}: from cache` });
    }
    return impl.toHosts(raw, source, sctx);
  } catch (err) {
    if (source.optional && err instanceof RemoteError) {
      sctx.note({ level: "warn", message: `optional source ${label} failed, skipped: ${err.message}` });
      return [];
    }
    if (err instanceof RemoteError) throw err.withSource(label);
    throw err;
  }
}
