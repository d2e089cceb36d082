// Ansible's INI inventory (ansible-core 2.14 plugins/inventory/ini.py): `[group]` host lines with
// inline `k=v` vars and `name:port`, `[group:vars]`, `[group:children]`, host ranges. Values are
// read as Python literals (python-literal.ts) and stay data: nothing is rendered as a template.

import { splitShellWords } from "../../config/shlex.js";
import { type AnsibleInventoryData, InventoryDataError } from "./data.js";
import { expandHostPattern } from "./host-pattern.js";
import { parsePythonValue } from "./python-literal.js";

/** A mistake at a line of an INI inventory. */
export class IniError extends InventoryDataError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: "vars" | "children";
  parents: string[];
}

export function parseIniInventory(text: string, data: AnsibleInventoryData): void {
  const pending = new Map<string, Pending>();
  let group = "ungrouped";
  let state = "hosts";
  const lines = text.split(/\r\n|\n|\r/);
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (!line || line[0] === "#" || line[0] === ";") continue;
    try {
      const section = SECTION.exec(line);
      if (section) {
        group = section[1]!;
        state = section[2] ?? "hosts";
        if (!["hosts", "children", "vars"].includes(state))
          throw new Error(`Section [${group}:${state}] has unknown type: ${state}`);
        if (!data.groups.has(group)) {
          if (state === "vars" && !pending.has(group))
            pending.set(group, { line: lineNo, state: "vars", parents: [] });
          data.addGroup(group);
        }
        const p = pending.get(group);
        if (p && state !== "vars") {
          if (p.state === "children") addPendingChildren(group, pending, data);
          else pending.delete(group);
        }
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]"))
        throw new Error(
          `Invalid section entry: '${line}'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters`,
        );
      if (state === "hosts") parseHostLine(line, group, data);
      else if (state === "vars") {
        const eq = line.indexOf("=");
        if (eq < 0) throw new Error(`Expected key=value, got: ${line}`);
        data.setVariable(group, line.slice(0, eq).trim(), parsePythonValue(line.slice(eq + 1).trim()));
      } else {
        const child = GROUP_NAME.exec(line)?.[1];
        if (!child) throw new Error(`Expected group name, got: ${line}`);
        if (data.groups.has(child)) data.addChild(group, child);
        else {
          const p = pending.get(child);
          if (p) p.parents.push(group);
          else pending.set(child, { line: lineNo, state: "children", parents: [group] });
        }
      }
    } catch (err) {
      if (err instanceof IniError) throw err;
      throw new IniError((err as Error).message, lineNo);
    }
  }
  for (const [name, p] of pending) {
    if (p.state === "vars")
      throw new IniError(`Section [${name}:vars] not valid for undefined group: ${name}`, p.line);
    throw new IniError(`Section [${p.parents.at(-1)}:children] includes undefined group: ${name}`, p.line);
  }
}

/** A child declared before its own section: attach it (and its pending parents) now. */
function addPendingChildren(group: string, pending: Map<string, Pending>, data: AnsibleInventoryData): void {
  for (const parent of pending.get(group)?.parents ?? []) {
    data.addChild(parent, group);
    if (pending.get(parent)?.state === "children") addPendingChildren(parent, pending, data);
  }
  pending.delete(group);
}

function parseHostLine(line: string, group: string, data: AnsibleInventoryData): void {
  let tokens: string[];
  try {
    tokens = splitShellWords(line, { comments: true });
  } catch (err) {
    throw new Error(`Error parsing host definition '${line}': ${(err as Error).message}`);
  }
  const entry = tokens[0];
  if (entry === undefined) throw new Error(`Expected a host definition, got: ${line}`);
  const { names, port } = expandHostPattern(entry);
  if (entry.trim().endsWith(":") && port === undefined)
    throw new Error(
      `Invalid host pattern '${entry}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`,
    );
  if (names.some((n) => n.trim() === "---"))
    throw new Error(
      `Invalid host pattern '${entry}' supplied, '---' is normally a sign this is a YAML file.`,
    );
  const vars: [string, unknown][] = [];
  for (const t of tokens.slice(1)) {
    const eq = t.indexOf("=");
    if (eq < 0) throw new Error(`Expected key=value host variable assignment, got: ${t}`);
    vars.push([t.slice(0, eq), parsePythonValue(t.slice(eq + 1))]);
  }
  for (const name of names) {
    data.addHost(name, group, port);
    for (const [k, v] of vars) data.setVariable(name, k, v);
  }
}
