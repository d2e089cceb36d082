// Config → sources (through the cache) → HostRecords → Inventory.
import {
  type InventoryConfig,
  loadInventoryConfig,
  type SourceConfig,
  sourceLabel,
} from "../config/inventory-config.js";
import { ExitCode, RemoteError, RollcallError } from "../errors.js";
import { buildInventory } from "./build.js";
import type { CacheRun, LeanInputs } from "./collect-cache.js";
import { createComposer, createKeyEvaluator } from "./compose.js";
import type { HostRecord, Inventory, InventoryNote } from "./model.js";
import { awsSource } from "./sources/aws.js";
import { spotinstSource } from "./sources/spotinst.js";
import { staticSource } from "./sources/static.js";
import type { InventorySource, SourceContext } from "./sources/types.js";

export type { LeanInputs } from "./collect-cache.js";

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
  /**
   * Told how to invalidate those entries in the store this config uses (the directory or
   * Redis); prefer it over reopening the directory from onCacheKeys.
   */
  onCacheInvalidator?: (invalidate: () => Promise<void>) => void;
  /** Told what the built output depends on, when it may be cached for the lean path. */
  onLeanInputs?: (inputs: LeanInputs) => void;
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
  const run = config.cache.enabled ? await openCacheRun(config, ctx, note) : undefined;
  const sctx: SourceContext = { env: run?.env ?? ctx.env, homeDir: ctx.homeDir, note, signal: ctx.signal };
  try {
    const perSource = await Promise.all(
      config.sources.map((source, i) => collectSource(source, sourceLabel(source, i), sctx, run)),
    );
    const cacheKeys = run?.keys() ?? [];
    ctx.onCacheKeys?.(cacheKeys);
    if (run) ctx.onCacheInvalidator?.(run.invalidator());
    const records = perSource.flat();
    // Templates may read the environment too: through the recording view, so the cached built
    // output is keyed by what they read.
    const compose = await createComposer(config.compose, configFile, sctx.env);
    const evaluateKey = await createKeyEvaluator(
      config.keyed_groups.map((k) => k.key),
      configFile,
      sctx.env,
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
    const lean = run?.leanInputs();
    if (lean) ctx.onLeanInputs?.(lean);
    return { inventory, records, cacheKeys };
  } finally {
    await run?.close();
  }
}

async function openCacheRun(
  config: InventoryConfig,
  ctx: InventoryContext,
  note: (n: InventoryNote) => void,
): Promise<CacheRun> {
  const { openCacheRun } = await import("./collect-cache.js");
  return openCacheRun(config, ctx, note);
}

async function collectSource(
  source: SourceConfig,
  label: string,
  sctx: SourceContext,
  run: CacheRun | undefined,
): Promise<HostRecord[]> {
  const impl = SOURCES[source.type];
  if (!impl) throw new RollcallError(`source ${label}: unsupported type ${source.type}`, ExitCode.usage);
  try {
    // The static source has nothing remote to cache.
    const raw =
      run && source.type !== "static"
        ? await run.obtain(impl, source, label, sctx)
        : await impl.fetch(source, sctx);
    return impl.toHosts(raw, source, sctx);
  } catch (err) {
    if (source.optional && err instanceof RemoteError) {
      run?.spoilLean();
      sctx.note({ level: "warn", message: `optional source ${label} failed, skipped: ${err.message}` });
      return [];
    }
    if (err instanceof RemoteError) throw err.withSource(label);
    throw err;
  }
}
