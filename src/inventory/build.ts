// HostRecords from every source → one Inventory: pick host names (never merging two machines),
// add groups, parent groups, keyed groups and composed vars, and sort everything so the output
// is byte-for-byte deterministic.
import type { KeyedGroup } from "../config/inventory-config.js";
import type { Group, HostRecord, Inventory, InventoryNote, Vars } from "./model.js";
import { nameMap, ownObject, ownValue } from "./names.js";
import { assignHostNames, groupRenamer, hostNamesAwayFromGroups, type Membership } from "./naming.js";

export interface BuildOptions {
  hostnames: readonly string[];
  sanitizeGroupNames: boolean;
  parentGroups: boolean;
  keyedGroups: readonly KeyedGroup[];
  /** Computes extra vars for one host (config `compose`); returns vars to merge. */
  compose?: (vars: Vars) => Vars;
  /** Evaluates a keyed group's expression key for one host (config `keyed_groups`). */
  evaluateKey?: (key: string, vars: Vars) => unknown;
}

export interface BuildResult {
  inventory: Inventory;
  notes: InventoryNote[];
}

export function buildInventory(records: readonly HostRecord[], options: BuildOptions): BuildResult {
  const notes: InventoryNote[] = [];
  const named = assignHostNames(records, options.hostnames, notes);
  const sanitize = options.sanitizeGroupNames ? sanitizeGroupName : (n: string) => n;

  // First pass: each host's vars and the group names it asks for. Names are settled after it:
  // a renamed group must land on no name in use, and a host must not share a group's name.
  const vars: Vars[] = [];
  const memberships: Membership[] = [];
  named.forEach(({ record }, host) => {
    // Salt's ansible roster only reads the legacy name, hence ansible_ssh_host too.
    const address = record.address
      ? { ansible_host: record.address, ansible_ssh_host: record.address }
      : undefined;
    let v = sortKeys(record.vars, address);
    if (options.compose) v = sortKeys(v, options.compose(v));
    vars.push(v);
    for (const ref of record.groups) {
      const parent = ref.parent && options.parentGroups ? sanitize(ref.parent) : undefined;
      memberships.push({ host, group: sanitize(ref.name), parent, source: record.source });
    }
    for (const kg of options.keyedGroups) {
      for (const g of keyedGroupNames(kg, record, v, options.evaluateKey)) {
        const parent = kg.parent_group ? sanitize(kg.parent_group) : undefined;
        memberships.push({ host, group: sanitizeGroupName(g), parent, source: record.source });
      }
    }
  });
  const groupName = groupRenamer(memberships, notes);
  const settled = memberships.map((m) => ({
    host: m.host,
    group: groupName(m.group, m.source),
    parent: m.parent === undefined ? undefined : groupName(m.parent, m.source),
  }));
  const names = hostNamesAwayFromGroups(
    named,
    new Set(settled.flatMap((m) => (m.parent === undefined ? [m.group] : [m.group, m.parent]))),
    notes,
  );

  const groups = new Map<string, { hosts: Set<string>; children: Set<string> }>();
  const groupOf = (name: string) => {
    let g = groups.get(name);
    if (!g) {
      g = { hosts: new Set(), children: new Set() };
      groups.set(name, g);
    }
    return g;
  };
  for (const m of settled) {
    groupOf(m.group).hosts.add(names[m.host]!);
    if (m.parent !== undefined) groupOf(m.parent).children.add(m.group);
  }
  const hosts = new Map(names.map((n, i) => [n, vars[i]!]));
  return { inventory: assemble(hosts, groups), notes };
}

/** Sorted hosts, `all` and `ungrouped`, and every group in name order. */
function assemble(
  hosts: Map<string, Vars>,
  groups: Map<string, { hosts: Set<string>; children: Set<string> }>,
): Inventory {
  // A group that is somebody's child is not a direct child of `all` (Ansible's reconcile rule).
  const isChild = new Set<string>();
  for (const g of groups.values()) for (const c of g.children) isChild.add(c);
  const grouped = new Set<string>();
  for (const g of groups.values()) for (const h of g.hosts) grouped.add(h);

  const sortedHosts = sortNames([...hosts.keys()]);
  // Group member lists follow the host order: sort by rank, not by re-comparing names.
  const rank = new Map(sortedHosts.map((h, i) => [h, i]));
  const byRank = (a: string, b: string) => rank.get(a)! - rank.get(b)!;
  const ungrouped = sortedHosts.filter((h) => !grouped.has(h));
  const topLevel = [...groups.keys()].filter((g) => !isChild.has(g));

  const allGroups: [string, Group][] = [
    ["all", { name: "all", hosts: [], children: sortNames([...topLevel, "ungrouped"]), vars: {} }],
    ["ungrouped", { name: "ungrouped", hosts: ungrouped, children: [], vars: {} }],
  ];
  for (const [name, g] of groups) {
    allGroups.push([
      name,
      {
        name,
        hosts: [...g.hosts].sort(byRank),
        children: sortNames([...g.children]),
        vars: {},
      },
    ]);
  }
  const groupOrder = new Map(sortNames(allGroups.map(([n]) => n)).map((n, i) => [n, i]));
  allGroups.sort(([a], [b]) => groupOrder.get(a)! - groupOrder.get(b)!);
  // Keyed by names from outside: no prototype, so "__proto__" and "constructor" are plain keys.
  const out = nameMap<Group>();
  for (const [name, g] of allGroups) out[name] = g;
  const hostOut = nameMap<Vars>();
  for (const h of sortedHosts) hostOut[h] = hosts.get(h)!;
  return { hosts: hostOut, groups: out };
}

function keyedGroupNames(
  kg: KeyedGroup,
  record: HostRecord,
  vars: Vars,
  evaluateKey: BuildOptions["evaluateKey"],
): string[] {
  const value = kg.key.startsWith("tags.")
    ? ownValue(record.tags, kg.key.slice(5))
    : evaluateKey && !/^[A-Za-z_]\w*$/.test(kg.key)
      ? evaluateKey(kg.key, vars)
      : ownValue(vars, kg.key);
  const withPrefix = (name: string) => (kg.prefix ? `${kg.prefix}${kg.separator}${name}` : name);
  if (value === undefined || value === null || value === "") {
    return kg.default_value !== undefined ? [withPrefix(kg.default_value)] : [];
  }
  if (Array.isArray(value)) return value.map((v) => withPrefix(String(v)));
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) =>
      withPrefix(v === "" || v === undefined ? k : `${k}${kg.separator}${String(v)}`),
    );
  }
  return [withPrefix(String(value))];
}

/** Ansible's rule: only [A-Za-z0-9_], and no leading digit. */
export function sanitizeGroupName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

/**
 * `vars` with `extra` merged over it, keys sorted, undefined values dropped, in one copy: this
 * runs once per host, 10,000 times for a large inventory.
 */
function sortKeys(vars: Vars, extra?: Vars): Vars {
  // Spread and fromEntries define own properties: a "__proto__" key stays a key.
  const merged: Vars = extra ? { ...vars, ...extra } : vars;
  const keys = Object.keys(merged).sort();
  const entries: [string, unknown][] = [];
  for (const k of keys) {
    const v = merged[k];
    if (v !== undefined) entries.push([k, v]);
  }
  return ownObject(entries);
}

/** `compareNames` order, computing each name's sort key once (10,000 hosts sort in a few ms). */
export function sortNames(names: string[]): string[] {
  return names
    .map((name) => ({ name, key: naturalKey(name) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => e.name);
}

/** Digit runs left-padded so plain string order is natural order ("2" < "10"). */
function naturalKey(name: string): string {
  return name.replace(/\d+/g, (d) => d.replace(/^0+(?=\d)/, "").padStart(20, "0"));
}

/**
 * Natural order ("127.1.0.2" before "127.1.0.10", "web2" before "web10"), locale-independent so
 * the output is the same on every machine.
 */
export function compareNames(a: string, b: string): number {
  const ka = naturalKey(a);
  const kb = naturalKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
