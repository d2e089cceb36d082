// What `ansible-inventory --list` prints for an inventory (ansible-core 2.14 cli/inventory.py
// json_inventory), computed from rollcall's model: groups with their own hosts and children in
// declaration order, empty groups dropped, each host's merged vars without the internal ones.
import type { Inventory } from "../../../src/inventory/model.js";
import { viewOf } from "../../../src/play/hosts/inventory.js";

const INTERNAL = new Set(["inventory_file", "inventory_dir"]);

export function ansibleListing(inv: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (name: string) => {
    const g = inv.groups[name]!;
    const entry: Record<string, string[]> = {};
    if (name !== "all" && g.hosts.length > 0) entry.hosts = [...g.hosts];
    if (g.children.length > 0) entry.children = [...g.children];
    out[name] = entry;
    for (const child of g.children) {
      if (seen.has(child)) continue;
      format(child);
      seen.add(child);
    }
    if (Object.keys(entry).length === 0) delete out[name];
  };
  format("all");
  const view = viewOf(inv);
  const hostvars: Record<string, unknown> = {};
  for (const h of view.groupHosts.get("all") ?? []) {
    const vars = Object.fromEntries(Object.entries(view.vars.get(h) ?? {}).filter(([k]) => !INTERNAL.has(k)));
    if (Object.keys(vars).length > 0) hostvars[h] = vars;
  }
  out._meta = { hostvars };
  return out;
}
