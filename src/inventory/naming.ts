// How hosts and groups get their inventory names, with the rules of docs/security.md: the
// `hostnames` preference picks a host's name; the reserved names (`_meta`, `all`, `ungrouped`) are
// never a source's; two machines never share a name; a host never takes a group's name. Every
// rename leaves a -v note.
import type { HostRecord, InventoryNote } from "./model.js";
import { isReserved, ownValue, unreserved } from "./names.js";

/** A host (by index) in a group, before reserved group names are renamed. */
export interface Membership {
  host: number;
  group: string;
  parent?: string;
  source: string;
}

/** Each record's host name: preferred, away from the reserved names, unique. */
export function assignHostNames(
  records: readonly HostRecord[],
  prefs: readonly string[],
  notes: InventoryNote[],
): { name: string; record: HostRecord }[] {
  const picked = records.map((record) => ({ record, name: record.fixedName ?? pickName(record, prefs) }));
  const taken = new Set(picked.map((c) => c.name));
  const candidates = picked.map((c) => {
    if (!isReserved(c.name)) return c;
    const name = unreserved(c.name, (n) => taken.has(n));
    notes.push({
      level: "verbose",
      message: `host name "${c.name}" (${c.record.id}, source ${c.record.source}) is reserved in Ansible inventories; renamed to "${name}"`,
    });
    return { record: c.record, name };
  });
  const count = new Map<string, number>();
  for (const c of candidates) count.set(c.name, (count.get(c.name) ?? 0) + 1);
  return candidates.map((c) => {
    if (count.get(c.name)! > 1) {
      // Never merge two machines under one name: every colliding one gets its id appended.
      const name = `${c.name}_${c.record.id}`;
      notes.push({
        level: "verbose",
        message: `host name ${c.name} is shared by several instances; using ${name}`,
      });
      return { name, record: c.record };
    }
    return c;
  });
}

function pickName(record: HostRecord, prefs: readonly string[]): string {
  for (const key of prefs) {
    const value = key.startsWith("tag:")
      ? (ownValue(record.names, key) ?? ownValue(record.tags, key.slice(4)))
      : ownValue(record.names, key);
    if (value) return value;
  }
  // No preferred name: fall back to the id rather than dropping the host (aws_ec2 drops it).
  return record.id;
}

/**
 * Group name → the name it gets in the inventory: reserved names are renamed (once, with a note),
 * away from every name some host or parent already uses.
 */
export function groupRenamer(
  memberships: readonly Membership[],
  notes: InventoryNote[],
): (name: string, source: string) => string {
  const used = new Set<string>();
  for (const m of memberships) {
    used.add(m.group);
    if (m.parent !== undefined) used.add(m.parent);
  }
  const renamed = new Map<string, string>();
  return (name, source) => {
    if (!isReserved(name)) return name;
    let to = renamed.get(name);
    if (to === undefined) {
      to = unreserved(name, (n) => used.has(n));
      renamed.set(name, to);
      used.add(to);
      notes.push({
        level: "verbose",
        message: `group name "${name}" (source ${source}) is reserved in Ansible inventories; renamed to "${to}"`,
      });
    }
    return to;
  };
}

/**
 * Final host names: a host named like a group gets its id appended. Ansible sets a name's vars on
 * the group when both exist, so that host's vars would land on every member of the group.
 */
export function hostNamesAwayFromGroups(
  named: readonly { name: string; record: HostRecord }[],
  groups: ReadonlySet<string>,
  notes: InventoryNote[],
): string[] {
  const taken = new Set(named.map((n) => n.name));
  return named.map(({ name, record }) => {
    if (!groups.has(name)) return name;
    let to = `${name}_${record.id}`;
    while (taken.has(to) || groups.has(to) || isReserved(to)) to += "_";
    taken.add(to);
    notes.push({
      level: "verbose",
      message: `host name "${name}" (${record.id}, source ${record.source}) is also a group name, which Ansible would merge; renamed to "${to}"`,
    });
    return to;
  });
}
