// `group_vars/` and `host_vars/` next to an inventory (ansible-core 2.14 plugins/vars/
// host_group_vars.py, parsing/dataloader.py find_vars_files): for a name, the first of `name`,
// `name.yml`, `name.yaml`, `name.json` that exists; a directory of that name contributes every
// file in it (sorted, recursively), later files winning. Values are data, never templates.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { describeFsError } from "../../config/yaml.js";
import { InputError } from "../../errors.js";
import type { Inventory, Vars } from "../model.js";
import { loadAnsibleYaml, toPlain } from "./yaml-load.js";

const EXTENSIONS = [".yml", ".yaml", ".json"];

/** Merge the vars files found under `baseDir` into the inventory (in place). */
export async function applyVarsFiles(inv: Inventory, baseDir: string): Promise<void> {
  const groupDir = join(baseDir, "group_vars");
  const hostDir = join(baseDir, "host_vars");
  const [hasGroupDir, hasHostDir] = await Promise.all([isDir(groupDir), isDir(hostDir)]);
  if (hasGroupDir) {
    for (const group of Object.values(inv.groups)) {
      const vars = await varsFor(groupDir, group.name);
      if (vars) group.fileVars = { ...group.fileVars, ...vars };
    }
  }
  if (hasHostDir) {
    for (const host of inv.order?.hosts ?? Object.keys(inv.hosts)) {
      // A host named like a path (a chroot) has no host_vars file, as in Ansible.
      if (host.startsWith("/")) continue;
      const vars = await varsFor(hostDir, host);
      if (vars) Object.assign(inv.hosts[host]!, vars);
    }
  }
}

async function varsFor(dir: string, name: string): Promise<Vars | undefined> {
  const files = await findVarsFiles(join(dir, name));
  if (files.length === 0) return undefined;
  const merged: Vars = {};
  for (const file of files) Object.assign(merged, await readVarsFile(file));
  return merged;
}

async function findVarsFiles(base: string): Promise<string[]> {
  for (const candidate of [base, ...EXTENSIONS.map((e) => base + e)]) {
    const s = await stat(candidate).catch(() => undefined);
    if (!s) continue;
    return s.isDirectory() ? filesIn(candidate) : [candidate];
  }
  return [];
}

async function filesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => cmp(a.name, b.name))) {
    if (entry.name.startsWith(".") || entry.name.endsWith("~")) continue;
    const ext = extname(entry.name);
    const full = join(dir, entry.name);
    if (entry.isDirectory() && !ext) found.push(...(await filesIn(full)));
    else if (entry.isFile() && (!ext || EXTENSIONS.includes(ext))) found.push(full);
  }
  return found;
}

async function readVarsFile(file: string): Promise<Vars> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new InputError(`${file}: cannot read: ${describeFsError(err)}`);
  }
  const loaded = loadAnsibleYaml(text, file);
  if (!loaded.ok) throw new InputError([loaded.issue]);
  const value = toPlain(loaded.value);
  if (value === null || value === undefined || value === "") return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new InputError([{ message: "expected a mapping of variables", at: { file, line: 1, col: 1 } }]);
  return value as Vars;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Python's sorted() on names: by code point, not by locale. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
