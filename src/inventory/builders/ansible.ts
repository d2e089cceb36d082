// The Ansible script-inventory protocol: `--list` and `--host NAME`.
// See docs/reference/ansible-semantics.md ("The script inventory protocol"): _meta.hostvars always present (so
// Ansible never falls back to one --host call per host), `all` and `ungrouped` present.
import type { Inventory, Vars } from "../model.js";
import { nameMap, ownValue } from "../names.js";

export type AnsibleList = Record<string, unknown> & { _meta: { hostvars: Record<string, Vars> } };

export function toAnsibleList(inventory: Inventory): AnsibleList {
  // Group names come from outside: no prototype, so "__proto__" is a group like any other.
  // Reserved names (_meta, all, ungrouped) were renamed when the inventory was built.
  const out = nameMap<unknown>();
  out._meta = { hostvars: inventory.hosts };
  for (const [name, group] of Object.entries(inventory.groups)) {
    const entry: Record<string, unknown> = {};
    if (group.children.length > 0) entry.children = group.children;
    if (name !== "all") entry.hosts = group.hosts;
    if (Object.keys(group.vars).length > 0) entry.vars = group.vars;
    out[name] = entry;
  }
  // Keys sorted, `_meta` first (it sorts first anyway: "_" < lowercase letters).
  return out as AnsibleList;
}

/** One host's vars; `{}` for an unknown host, as the protocol expects. */
export function toAnsibleHost(inventory: Inventory, name: string): Vars {
  return ownValue(inventory.hosts, name) ?? {};
}
