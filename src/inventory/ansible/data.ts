// Ansible's in-memory inventory (ansible-core 2.14 lib/ansible/inventory/data.py, group.py), kept
// close enough that every parser here fills it in the same order Ansible does: hosts and groups
// in the order they are first seen, each group's hosts and children in the order they were added.
// That order is what `hosts: all` and every other pattern run in (see play/hosts/order.ts).
import { dirname } from "node:path";
import type { Group, Inventory, Vars } from "../model.js";

/** A mistake in an inventory source; the loader adds the file (and line, when known). */
export class InventoryDataError extends Error {}

interface GroupData {
  name: string;
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
  parents: string[];
  vars: Vars;
  priority?: number;
}

export class AnsibleInventoryData {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, Vars>();
  /** Host → groups it was added to, in order (Ansible's Host.groups). */
  private readonly memberOf = new Map<string, string[]>();
  /** The file being read: a new host gets inventory_file / inventory_dir from it, as in Ansible. */
  currentSource?: string;

  constructor() {
    this.addGroup("all");
    this.addGroup("ungrouped");
    this.addChild("all", "ungrouped");
  }

  addGroup(name: string): string {
    if (!name) throw new InventoryDataError(`invalid empty group name`);
    if (!this.groups.has(name)) {
      this.groups.set(name, { name, hosts: [], hostSet: new Set(), children: [], parents: [], vars: {} });
    }
    return name;
  }

  /** Add a host (first sighting fixes its place in the inventory), optionally to a group. */
  addHost(name: string, group?: string, port?: number): string {
    if (!name) throw new InventoryDataError(`invalid empty host name`);
    if (group !== undefined && !this.groups.has(group))
      throw new InventoryDataError(`could not find group ${group} in inventory`);
    if (!this.hosts.has(name)) {
      this.hosts.set(
        name,
        this.currentSource
          ? { inventory_file: this.currentSource, inventory_dir: dirname(this.currentSource) }
          : {},
      );
      this.memberOf.set(name, []);
      // Ansible's Host(name, port) sets ansible_port when the entry carried one, and only when
      // the host is new: a port on a later mention of the same host is ignored.
      if (port) this.setVariable(name, "ansible_port", port);
    }
    if (group !== undefined) this.addHostToGroup(group, name);
    return name;
  }

  private addHostToGroup(group: string, host: string): void {
    const g = this.groups.get(group)!;
    if (g.hostSet.has(host)) return;
    g.hosts.push(host);
    g.hostSet.add(host);
    this.memberOf.get(host)!.push(group);
  }

  /** A group's or a host's variable (a group name wins, as in Ansible). */
  setVariable(entity: string, key: string, value: unknown): void {
    const g = this.groups.get(entity);
    if (g) {
      if (key === "ansible_group_priority") g.priority = Math.trunc(Number(value));
      else g.vars[key] = value;
      return;
    }
    const h = this.hosts.get(entity);
    if (!h) throw new InventoryDataError(`could not identify group or host named ${entity}`);
    h[key] = value;
  }

  /** Add a host or a group to a group. */
  addChild(group: string, child: string): void {
    const g = this.groups.get(group);
    if (!g) throw new InventoryDataError(`${group} is not a known group`);
    const c = this.groups.get(child);
    if (c) {
      if (g.children.includes(child)) return;
      if (group === child || this.ancestorsOf(group).has(child))
        throw new InventoryDataError(
          `adding group '${child}' as child to '${group}' creates a recursive dependency loop`,
        );
      g.children.push(child);
      if (!c.parents.includes(group)) c.parents.push(group);
      return;
    }
    if (this.hosts.has(child)) {
      this.addHostToGroup(group, child);
      return;
    }
    throw new InventoryDataError(`${child} is not a known host nor group`);
  }

  private ancestorsOf(name: string): Set<string> {
    const seen = new Set<string>();
    const queue = [...(this.groups.get(name)?.parents ?? [])];
    while (queue.length > 0) {
      const p = queue.shift()!;
      if (seen.has(p)) continue;
      seen.add(p);
      queue.push(...(this.groups.get(p)?.parents ?? []));
    }
    return seen;
  }

  /**
   * Ansible's reconcile_inventory, run once after every source is parsed: a group without a
   * parent goes under `all`; a host in no group (or only `all`) goes to `ungrouped`, and one in a
   * real group leaves `ungrouped`.
   */
  reconcile(): void {
    for (const name of this.groups.keys()) {
      if (name !== "all" && this.groups.get(name)!.parents.length === 0) this.addChild("all", name);
    }
    const ungrouped = this.groups.get("ungrouped")!;
    for (const host of this.hosts.keys()) {
      const mine = this.memberOf.get(host)!;
      if (mine.includes("ungrouped")) {
        if (mine.some((g) => g !== "all" && g !== "ungrouped")) {
          ungrouped.hosts.splice(ungrouped.hosts.indexOf(host), 1);
          ungrouped.hostSet.delete(host);
          mine.splice(mine.indexOf("ungrouped"), 1);
        }
      } else if (mine.length === 0 || (mine.length === 1 && mine[0] === "all")) {
        this.addHostToGroup("ungrouped", host);
      }
    }
  }

  /** The model every consumer reads, keeping Ansible's order in every list. */
  toInventory(): Inventory {
    const hosts: Record<string, Vars> = {};
    for (const [name, vars] of this.hosts) hosts[name] = vars;
    const groups: Record<string, Group> = {};
    for (const [name, g] of this.groups) {
      groups[name] = {
        name,
        hosts: [...g.hosts],
        children: [...g.children],
        vars: g.vars,
        ...(g.priority !== undefined && { priority: g.priority }),
      };
    }
    return { hosts, groups, order: { hosts: [...this.hosts.keys()], groups: [...this.groups.keys()] } };
  }
}
