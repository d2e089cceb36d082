// The inventory as the runner sees it: Ansible's comma host list, each host's merged variables
// (group vars by depth, then host vars) and group membership.
import type { Inventory, Vars } from "../../inventory/model.js";
import { groupDepths, groupHostsInOrder, groupOrder, hostOrder } from "./order.js";

/** `-i 'h1,h2,'`: any value with a comma is a host list, as in Ansible. */
export function isHostList(spec: string): boolean {
  return spec.includes(",");
}

export function hostListInventory(spec: string): Inventory {
  const names = [
    ...new Set(
      spec
        .split(",")
        .map((h) => h.trim())
        .filter(Boolean),
    ),
  ];
  // Keyed by names from the command line: no prototype, so "constructor" is a host like any other.
  const hosts: Record<string, Vars> = Object.create(null);
  for (const n of names) hosts[n] = {};
  const groups: Inventory["groups"] = Object.create(null);
  groups.all = { name: "all", hosts: [], children: ["ungrouped"], vars: {} };
  groups.ungrouped = { name: "ungrouped", hosts: names, children: [], vars: {} };
  return { hosts, groups };
}

/** An inventory with no hosts (no -i given): only the implicit localhost can be targeted. */
export function emptyInventory(): Inventory {
  return hostListInventory(",");
}

export const IMPLICIT_LOCALHOST = "localhost";
const LOCAL_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

export function isLocalName(name: string): boolean {
  return LOCAL_NAMES.has(name);
}

/** Precomputed views of an inventory used on every task. */
export interface InventoryView {
  inventory: Inventory;
  /** Host names in the order first declared (plus the implicit localhost when it is targeted). */
  order: string[];
  /** Group name → hosts (descendants included), in Ansible's run order (play/hosts/order.ts). */
  groupHosts: Map<string, string[]>;
  /** Host → group names (all ancestors, without "all"), sorted. */
  hostGroups: Map<string, string[]>;
  /** Host → merged inventory vars. */
  vars: Map<string, Vars>;
}

export function viewOf(inv: Inventory): InventoryView {
  const order = hostOrder(inv);
  const depth = groupDepths(inv);
  const groupHosts = new Map<string, string[]>();
  for (const name of groupOrder(inv)) groupHosts.set(name, groupHostsInOrder(inv, name));
  const hostGroups = new Map<string, string[]>(order.map((h) => [h, []]));
  for (const [name, members] of groupHosts) {
    if (name === "all") continue;
    for (const h of members) hostGroups.get(h)?.push(name);
  }
  const all = inv.groups.all;
  const vars = new Map<string, Vars>();
  for (const h of order) {
    // Ansible's precedence: `all`, then every group's inventory vars by (depth, priority, name),
    // then every group's group_vars/ files in the same order, then the host's own.
    const groups = (hostGroups.get(h) ?? [])
      .map((name) => inv.groups[name]!)
      .sort(
        (a, b) =>
          (depth.get(a.name) ?? 1) - (depth.get(b.name) ?? 1) ||
          (a.priority ?? 1) - (b.priority ?? 1) ||
          (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      );
    // Spread, not Object.assign: a var named "__proto__" stays a var.
    let merged: Vars = { ...all?.vars, ...all?.fileVars };
    for (const g of groups) merged = { ...merged, ...g.vars };
    for (const g of groups) merged = { ...merged, ...g.fileVars };
    vars.set(h, { ...merged, ...inv.hosts[h] });
    hostGroups.get(h)!.sort();
  }
  return { inventory: inv, order, groupHosts, hostGroups, vars };
}

/** Add the implicit localhost (not in `all`), as Ansible does when a play targets it. */
export function addImplicitLocalhost(view: InventoryView): void {
  if (view.vars.has(IMPLICIT_LOCALHOST)) return;
  view.order.push(IMPLICIT_LOCALHOST);
  view.vars.set(IMPLICIT_LOCALHOST, { ansible_connection: "local" });
  view.hostGroups.set(IMPLICIT_LOCALHOST, []);
}
