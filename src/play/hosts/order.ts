// Host order as ansible-playbook computes it (ansible-core 2.14 inventory/group.py, manager.py).
// A group's hosts are its own hosts, then those of its children level by level (children in the
// order they were added), each host once: that is `groups['x']`, and `hosts: x` runs in it.
// `all` is the same walk from the top, so `hosts: all` starts with `ungrouped` and then follows
// `all`'s children in the order the inventory declared them, not the order hosts were first seen.
//
// One difference is deliberate: from the second level down Ansible walks the parents of a level
// as a Python set of Group objects, whose order follows memory addresses and so changes from run
// to run (over inventories/demo, `hosts: all` starts with autoscaling_groups' hosts in most runs
// and with elastigroups' in others). rollcall takes the parents in the order they were reached,
// which is the order Ansible shows most of the time and the same on every run.
import type { Inventory } from "../../inventory/model.js";

/** Group names in inventory order. */
export function groupOrder(inv: Inventory): string[] {
  return inv.order?.groups ?? Object.keys(inv.groups);
}

/** Host names in the order the inventory first declared them. */
export function hostOrder(inv: Inventory): string[] {
  return inv.order?.hosts ?? Object.keys(inv.hosts);
}

/** Ansible's Group.get_descendants(include_self=True, preserve_ordering=True). */
function descendants(inv: Inventory, name: string): string[] {
  const children = (g: string) => inv.groups[g]?.children ?? [];
  const ordered = [name, ...children(name)];
  const seen = new Set<string>();
  let level = [...new Set(ordered)];
  while (level.length > 0) {
    for (const g of level) seen.add(g);
    const next: string[] = [];
    for (const g of level) {
      for (const c of children(g)) {
        if (seen.has(c)) continue;
        if (!next.includes(c)) next.push(c);
        ordered.push(c);
      }
    }
    level = next;
  }
  return ordered;
}

/** Ansible's Group.get_hosts(): the group's hosts in run order (`groups['name']`). */
export function groupHostsInOrder(inv: Inventory, name: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const g of descendants(inv, name)) {
    for (const h of inv.groups[g]?.hosts ?? []) {
      if (seen.has(h) || !(h in inv.hosts)) continue;
      seen.add(h);
      out.push(h);
    }
  }
  return out;
}

/** Ansible's Group.depth: the longest path from `all` (vars of deeper groups merge later). */
export function groupDepths(inv: Inventory): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (g: string, d: number, path: Set<string>) => {
    if ((depth.get(g) ?? -1) >= d || path.has(g)) return;
    depth.set(g, d);
    const next = new Set(path).add(g);
    for (const c of inv.groups[g]?.children ?? []) visit(c, d + 1, next);
  };
  visit("all", 0, new Set());
  // Groups nothing reaches from `all` (a model built by hand) sit just below it.
  for (const g of groupOrder(inv)) if (!depth.has(g)) visit(g, 1, new Set());
  return depth;
}
