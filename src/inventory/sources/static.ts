// Hosts written in the config itself: for machines outside any cloud group, and for tests and
// examples that need an inventory without a cloud.
import type { StaticSourceConfig } from "../../config/inventory-config.js";
import type { HostRecord } from "../model.js";
import type { InventorySource } from "./types.js";

export const staticSource: InventorySource<StaticSourceConfig, StaticSourceConfig["hosts"]> = {
  type: "static",
  cacheIdentity: () => ({}),
  fetch: async (config) => config.hosts,
  toHosts(hosts, config) {
    const groupsOf = new Map<string, string[]>();
    for (const [group, members] of Object.entries(config.groups)) {
      for (const h of members) groupsOf.set(h, [...(groupsOf.get(h) ?? []), group]);
    }
    return Object.entries(hosts).map(([name, vars]) => {
      const v = vars ?? {};
      const address = typeof v.ansible_host === "string" ? v.ansible_host : undefined;
      return {
        id: name,
        source: config.name ?? "static",
        names: { static: name },
        address,
        vars: v,
        groups: (groupsOf.get(name) ?? []).map((g) => ({ name: g })),
        tags: {},
        fixedName: name,
      } satisfies HostRecord;
    });
  },
};
