// Where a run's hosts come from: an inventory file (a rollcall config, through the inventory cache,
// or any of Ansible's inventory forms), Ansible's comma host list, or an inventory already in memory (`rollcall watch` builds a one-host one).
// Also the pieces that go with a loaded inventory: `--limit @file`, and dropping the cache entries
// a recycle made stale.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { SetupError } from "../../errors.js";
import type { Inventory, InventoryNote } from "../../inventory/model.js";
import { emptyInventory, hostListInventory, isHostList } from "./inventory.js";

export type InventoryInput =
  /** An inventory file or directory (absolute, or relative to the session's cwd). */
  | { type: "config"; file: string }
  /** Ansible's `-i 'h1,h2,'`. */
  | { type: "hosts"; list: string }
  /** Built by the caller; `name` identifies it in the run journal's key (e.g. "watch:i-0abc"). */
  | { type: "memory"; inventory: Inventory; name: string };

/** `-i VALUE` as Ansible reads it: a value with a comma is a host list, anything else a file. */
export function inventoryInputOf(spec: string): InventoryInput {
  return isHostList(spec) ? { type: "hosts", list: spec } : { type: "config", file: spec };
}

export type LoadInventory = (
  configFile: string,
  options: {
    env: Record<string, string | undefined>;
    homeDir: string;
    cacheDir: string;
    refreshCache: boolean;
    note: (note: InventoryNote) => void;
    /** The cache entries the inventory came from (a recycle invalidates them). */
    onCacheKeys?: (keys: string[]) => void;
    /** How to invalidate them in the store the config uses (the directory or Redis). */
    onCacheInvalidator?: (invalidate: () => Promise<void>) => void;
  },
) => Promise<Inventory>;

export interface RunInventoryOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  homeDir: string;
  cacheDir: string;
  /** A resumed run follows a crash, maybe mid-recycle: it never trusts a cache from before it. */
  refreshCache: boolean;
  note: (note: InventoryNote) => void;
  onCacheKeys: (keys: string[]) => void;
  onCacheInvalidator?: (invalidate: () => Promise<void>) => void;
  /** Seam for tests (default: the inventory layer's loader, imported on demand). */
  load?: LoadInventory;
}

export async function loadRunInventory(
  input: InventoryInput | undefined,
  o: RunInventoryOptions,
): Promise<Inventory> {
  if (!input) return emptyInventory();
  if (input.type === "hosts") return hostListInventory(input.list);
  if (input.type === "memory") return input.inventory;
  const load = o.load ?? loadInventoryModule;
  return load(resolve(o.cwd, input.file), {
    env: o.env,
    homeDir: o.homeDir,
    cacheDir: o.cacheDir,
    refreshCache: o.refreshCache,
    onCacheKeys: o.onCacheKeys,
    ...(o.onCacheInvalidator && { onCacheInvalidator: o.onCacheInvalidator }),
    note: o.note,
  });
}

/**
 * A rollcall config or any of Ansible's inventory forms (file, script, directory), told apart by
 * content. Loaded on demand: a host list never needs the cloud sources.
 */
const loadInventoryModule: LoadInventory = async (file, options) => {
  const { loadInventorySource } = await import("../../inventory/ansible/load.js");
  return loadInventorySource(file, options);
};

/** How the journal tells runs apart: the resolved config path, the host list, or the memory name. */
export function inventoryKeyOf(input: InventoryInput, cwd: string): string {
  if (input.type === "hosts") return input.list;
  if (input.type === "memory") return `memory:${input.name}`;
  return resolve(cwd, input.file);
}

/** `--limit @file`: one pattern per line, as Ansible's retry files; anything else is the pattern. */
export async function resolveLimit(limit: string | undefined, cwd: string): Promise<string | undefined> {
  if (!limit?.startsWith("@")) return limit;
  const file = limit.slice(1);
  try {
    const text = await readFile(resolve(cwd, file), "utf8");
    return text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .join(",");
  } catch {
    throw new SetupError(`--limit @${file}: cannot read ${file}`);
  }
}

/**
 * Cache invalidation for a recycle: the inventory loader reports how to invalidate the entries it
 * used in the store its config names (the directory or a shared Redis, so every machine sees the
 * new instance), or at least their keys in the directory store (Ansible inventory sources); a
 * recycle invalidates them (one at a time, in order), so the next `inventory --list` or play sees
 * the new instance instead of a dead address.
 */
export function createCacheInvalidator(cacheDir: string) {
  let keys: string[] = [];
  const stores: Array<() => Promise<void>> = [];
  let chain: Promise<void> = Promise.resolve();
  return {
    onCacheKeys: (k: string[]) => {
      keys = [...new Set([...keys, ...k])];
    },
    onCacheInvalidator: (invalidate: () => Promise<void>) => {
      stores.push(invalidate);
    },
    invalidate(): Promise<void> {
      if (stores.length > 0) {
        chain = chain.then(async () => {
          for (const invalidate of stores) await invalidate();
        });
      } else if (keys.length > 0) {
        chain = chain.then(async () => {
          const { openSourceCache } = await import("../../cache/source-cache.js");
          const cache = await openSourceCache({ dir: cacheDir });
          try {
            await cache.delete(keys);
          } finally {
            await cache.close();
          }
        });
      } else return chain;
      chain = chain.catch(() => {});
      return chain;
    },
  };
}
