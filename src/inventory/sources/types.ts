// The seam between a cloud source and the inventory: fetch raw data (cached as-is), then map it
// to HostRecords with a pure function, so config changes (hostnames, groups) apply on a cache hit.
import type { HostRecord, InventoryNote } from "../model.js";

export interface SourceContext {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Notes shown under -v (warnings always). Sources never print. */
  note: (note: InventoryNote) => void;
  signal?: AbortSignal;
}

export interface InventorySource<Config, Raw> {
  readonly type: string;
  /**
   * Everything that changes what `fetch` returns (endpoint, account, region, filters) and
   * nothing secret: it is hashed into the cache key.
   */
  cacheIdentity(
    config: Config,
    ctx: SourceContext,
  ): Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Files whose content feeds cacheIdentity (a credentials file naming the account): the cached
   * built output is keyed by their stat, so editing one is a miss on the lean path.
   */
  identityFiles?(config: Config, ctx: SourceContext): string[];
  /** Talk to the cloud. The result must be JSON-serialisable: it is what the cache stores. */
  fetch(config: Config, ctx: SourceContext): Promise<Raw>;
  /** Pure mapping from raw data to hosts. */
  toHosts(raw: Raw, config: Config, ctx: SourceContext): HostRecord[];
}
