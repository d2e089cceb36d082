// Ansible's YAML inventory (ansible-core 2.14 plugins/inventory/yaml.py): top-level keys are
// groups, each with `hosts`, `vars` and `children` (children are groups of the same shape).
// Keys are visited in the file's order, which decides host order. Values stay data.
import { type AnsibleInventoryData, InventoryDataError } from "./data.js";
import { expandHostPattern } from "./host-pattern.js";
import { toPlain } from "./yaml-load.js";

type Warn = (message: string) => void;

/** `value` is the document from loadAnsibleYaml (mappings as Maps). */
export function parseYamlInventory(value: unknown, data: AnsibleInventoryData, warn: Warn): void {
  if (value === null || value === undefined || (value instanceof Map && value.size === 0))
    throw new InventoryDataError("Parsed empty YAML file");
  if (!(value instanceof Map))
    throw new InventoryDataError(
      `YAML inventory has invalid structure, it should be a dictionary, got: ${describe(value)}`,
    );
  if (value.get("plugin"))
    throw new InventoryDataError(
      `an inventory plugin configuration (plugin: ${String(value.get("plugin"))}), which rollcall does not run; use a rollcall config or the plugin's output (ansible-inventory --list > inv.json)`,
    );
  for (const [name, groupData] of value) parseGroup(name, groupData, data, warn);
}

function parseGroup(name: unknown, groupData: unknown, data: AnsibleInventoryData, warn: Warn): string {
  if (typeof name !== "string")
    throw new InventoryDataError(`Invalid group name supplied, expected a string but got ${describe(name)}`);
  if (!(groupData instanceof Map) && groupData !== null && groupData !== undefined) {
    warn(`Skipping '${name}' as this is not a valid group definition`);
    return name;
  }
  const group = data.addGroup(name);
  if (!(groupData instanceof Map)) return group;
  for (const section of ["vars", "children", "hosts"]) {
    const v = groupData.get(section);
    // A string is allowed as a one-entry mapping.
    if (typeof v === "string") groupData.set(section, new Map([[v, null]]));
    else if (groupData.has(section) && !(v instanceof Map) && v !== null && v !== undefined)
      throw new InventoryDataError(
        `Invalid "${section}" entry for "${group}" group, requires a dictionary, found "${describe(v)}" instead.`,
      );
  }
  for (const [key, v] of groupData) {
    if (v === null || v === undefined) continue;
    if (!(v instanceof Map)) {
      warn(
        `Skipping key (${String(key)}) in group (${group}) as it is not a mapping, it is a ${describe(v)}`,
      );
      continue;
    }
    if (key === "vars") {
      for (const [k, val] of v) data.setVariable(group, String(k), toPlain(val));
    } else if (key === "children") {
      for (const [sub, subData] of v) data.addChild(group, parseGroup(sub, subData, data, warn));
    } else if (key === "hosts") {
      for (const [entry, hostVars] of v) addHosts(entry, hostVars, group, data);
    } else {
      warn(
        `Skipping unexpected key (${String(key)}) in group (${group}), only "vars", "children" and "hosts" are valid`,
      );
    }
  }
  return group;
}

function addHosts(entry: unknown, hostVars: unknown, group: string, data: AnsibleInventoryData): void {
  if (typeof entry !== "string")
    throw new InventoryDataError(
      `Host pattern ${String(entry)} must be a string. Enclose integers/floats in quotation marks.`,
    );
  const vars = hostVars ?? new Map();
  if (!(vars instanceof Map))
    throw new InventoryDataError(`Invalid data from file, expected dictionary and got: ${describe(vars)}`);
  const { names, port } = expandHostPattern(entry);
  for (const host of names) {
    data.addHost(host, group, port);
    for (const [k, v] of vars) data.setVariable(host, String(k), toPlain(v));
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Map) return "a mapping";
  return `a ${typeof v}`;
}
