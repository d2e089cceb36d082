// `-i PATH` for the runner: a rollcall config, or any inventory Ansible reads from a path (a YAML
// or INI file, an executable script, a directory of those), told apart by content. Every form
// goes through Ansible's inventory model (data.ts) so hosts come out in the order Ansible meets
// them; a rollcall config too, read the way Ansible reads `rollcall --list`.
import { access, constants, readdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { ExitCode, InputError, type Issue, SetupError } from "../../errors.js";
import type { InventoryContext } from "../collect.js";
import type { Inventory } from "../model.js";
import { AnsibleInventoryData, InventoryDataError } from "./data.js";
import { IniError, parseIniInventory } from "./ini.js";
import { applyScriptOutput, loadInventoryScript } from "./script.js";
import { applyVarsFiles, cmp } from "./vars-files.js";
import { parseYamlInventory } from "./yaml-inventory.js";
import { loadAnsibleYaml, toPlain } from "./yaml-load.js";

/** Entries of an inventory directory that Ansible skips (INVENTORY_IGNORE_EXTS and friends). */
const IGNORED =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

export async function loadInventorySource(path: string, ctx: InventoryContext): Promise<Inventory> {
  const st = await stat(path).catch(() => undefined);
  if (!st)
    throw new InputError([
      { message: `inventory ${path}: no such file or directory`, exitCode: ExitCode.error },
    ]);
  const data = new AnsibleInventoryData();
  if (st.isDirectory()) await loadDirectory(path, data, ctx);
  else await loadFile(path, data, ctx);
  data.reconcile();
  const inventory = data.toInventory();
  await applyVarsFiles(inventory, st.isDirectory() ? path : dirname(path));
  return inventory;
}

async function loadDirectory(dir: string, data: AnsibleInventoryData, ctx: InventoryContext): Promise<void> {
  const names = (await readdir(dir)).sort(cmp);
  for (const name of names) {
    if (IGNORED.test(name)) continue;
    const full = join(dir, name);
    if ((await stat(full)).isDirectory()) await loadDirectory(full, data, ctx);
    else await loadFile(full, data, ctx);
  }
}

async function loadFile(path: string, data: AnsibleInventoryData, ctx: InventoryContext): Promise<void> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new InputError([
      { message: `inventory ${path}: cannot read (${err.code ?? err.message})`, exitCode: ExitCode.error },
    ]);
  });
  const text = decodeUtf8(bytes);
  data.currentSource = path;
  try {
    if (bytes.subarray(0, 2).toString() === "#!" || (text === undefined && (await isExecutable(path)))) {
      return await loadInventoryScript(path, data, { env: ctx.env, note: ctx.note ?? (() => {}) }).catch(
        (err) => {
          if (err instanceof InventoryDataError)
            throw new SetupError(`inventory script ${path}: ${err.message}`);
          throw err;
        },
      );
    }
    if (text === undefined)
      throw new InputError(`inventory ${path}: not a text file nor an executable script`);
    await loadText(path, text, data, ctx);
  } finally {
    data.currentSource = undefined;
  }
}

async function loadText(path: string, text: string, data: AnsibleInventoryData, ctx: InventoryContext) {
  const yaml = loadAnsibleYaml(text, path);
  const warn = (message: string) => ctx.note?.({ level: "warn", message: `${path}: ${message}` });
  if (yaml.ok && yaml.value instanceof Map) {
    const doc = yaml.value;
    try {
      // `sources:` makes it a rollcall config (even a wrong one: its schema then says what is wrong).
      if (doc.has("sources")) return await loadRollcallConfig(path, data, ctx);
      // A saved `--list` document (the script protocol's shape) reads as the script's output.
      if (doc.get("_meta") instanceof Map && (doc.get("_meta") as Map<unknown, unknown>).has("hostvars"))
        return await applyScriptOutput(toPlain(doc), data, async () => ({}));
      return parseYamlInventory(doc, data, warn);
    } catch (err) {
      if (err instanceof InventoryDataError) throw new InputError(`${path}: ${err.message}`);
      throw err;
    }
  }
  try {
    parseIniInventory(text, data);
  } catch (err) {
    if (!(err instanceof InventoryDataError)) throw err;
    const looksYaml = [".yml", ".yaml", ".json"].includes(extname(path)) || /^\s*(---|\{)/.test(text);
    if (looksYaml && !yaml.ok) throw new InputError([withKinds(yaml.issue)]);
    const line = err instanceof IniError ? err.line : 1;
    throw new InputError([
      withKinds({ message: `as INI: ${err.message}`, at: { file: path, line, col: 1 } }),
    ]);
  }
}

/** The one error for a file that is none of the forms: what it was read as, and what else works. */
function withKinds(issue: Issue): Issue {
  return {
    ...issue,
    message: `${issue.message} (not an inventory: -i takes a rollcall config, an Ansible YAML or INI inventory, an executable inventory script, a directory of those, or a host list "h1,h2,")`,
  };
}

async function loadRollcallConfig(path: string, data: AnsibleInventoryData, ctx: InventoryContext) {
  const [{ loadInventory }, { toAnsibleList }] = await Promise.all([
    import("../collect.js"),
    import("../builders/ansible.js"),
  ]);
  const inventory = await loadInventory(path, ctx);
  // The order Ansible would see: `rollcall --list` as printed, read by its script plugin.
  await applyScriptOutput(toAnsibleList(inventory), data, async () => ({}));
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
