// Ansible's executable inventory (ansible-core 2.14 plugins/inventory/script.py): run
// `<file> --list`, read its JSON, and take groups in the order the document lists them: that
// order decides which host Ansible meets first. Without `_meta.hostvars`, `--host NAME` per host.
import { spawn } from "node:child_process";
import type { InventoryNote, Vars } from "../model.js";
import { type AnsibleInventoryData, InventoryDataError } from "./data.js";

export interface ScriptContext {
  env: Record<string, string | undefined>;
  note: (note: InventoryNote) => void;
}

/** Run the script and load what it prints into `data`. */
export async function loadInventoryScript(
  path: string,
  data: AnsibleInventoryData,
  ctx: ScriptContext,
): Promise<void> {
  const { stdout, stderr } = await runScript(path, ["--list"], ctx);
  let processed: unknown;
  try {
    processed = JSON.parse(stdout);
  } catch (err) {
    throw new InventoryDataError(
      `failed to parse executable inventory script results: ${(err as Error).message}${stderrTail(stderr)}`,
    );
  }
  // Ansible shows a script's stderr as an error even when it succeeds.
  if (stderr.trim()) ctx.note({ level: "warn", message: `inventory script ${path}: ${stderr.trim()}` });
  await applyScriptOutput(processed, data, async (host) => {
    const out = await runScript(path, ["--host", host], ctx);
    if (!out.stdout.trim()) return {};
    try {
      return JSON.parse(out.stdout) as Vars;
    } catch {
      throw new InventoryDataError(`could not parse the variables of host ${host} (--host ${host})`);
    }
  });
}

/**
 * A `--list` document → `data`, as Ansible's script plugin reads it. `hostVarsOf` answers for
 * hosts when the document has no `_meta.hostvars`.
 */
export async function applyScriptOutput(
  processed: unknown,
  data: AnsibleInventoryData,
  hostVarsOf: (host: string) => Promise<Vars>,
): Promise<void> {
  if (!isDict(processed)) throw new InventoryDataError("the inventory script output needs to be a json dict");
  const seen = new Set<string>();
  let fromMeta: unknown;
  for (const [group, gdata] of Object.entries(processed)) {
    if (group === "_meta") {
      if (isDict(gdata) && "hostvars" in gdata) fromMeta = gdata.hostvars;
    } else parseGroup(group, gdata, data, seen);
  }
  for (const host of seen) {
    let got: unknown;
    if (fromMeta === undefined) got = await hostVarsOf(host);
    else if (isDict(fromMeta)) got = fromMeta[host] ?? {};
    else throw new InventoryDataError(`Improperly formatted host information for ${host}`);
    if (!isDict(got))
      throw new InventoryDataError(`host ${host}: expected a dictionary of variables, got ${typeof got}`);
    for (const [k, v] of Object.entries(got)) data.setVariable(host, k, v);
  }
}

function parseGroup(name: string, raw: unknown, data: AnsibleInventoryData, seen: Set<string>): void {
  const group = data.addGroup(name);
  let g: Record<string, unknown>;
  if (!isDict(raw)) g = { hosts: raw };
  // A mapping with none of the keys is the short form of one host with its vars.
  else if (!("hosts" in raw || "vars" in raw || "children" in raw)) g = { hosts: [group], vars: raw };
  else g = raw;
  if ("hosts" in g) {
    if (!Array.isArray(g.hosts))
      throw new InventoryDataError(`You defined a group '${group}' with bad data for the host list`);
    for (const host of g.hosts) {
      if (typeof host !== "string")
        throw new InventoryDataError(
          `group '${group}': host names must be strings, got ${JSON.stringify(host)}`,
        );
      seen.add(host);
      data.addHost(host, group);
    }
  }
  if ("vars" in g) {
    if (!isDict(g.vars))
      throw new InventoryDataError(`You defined a group '${group}' with bad data for variables`);
    for (const [k, v] of Object.entries(g.vars)) data.setVariable(group, k, v);
  }
  if ("children" in g) {
    const children = g.children;
    const list = typeof children === "string" ? [...children] : Array.isArray(children) ? children : [];
    for (const child of list) data.addChild(group, data.addGroup(String(child)));
  }
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function runScript(
  path: string,
  args: string[],
  ctx: ScriptContext,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: ctx.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) =>
      reject(new InventoryDataError(`problem running ${path} ${args.join(" ")} (${e.message})`)),
    );
    child.on("close", (code) => {
      const stderr = Buffer.concat(err).toString("utf8");
      if (code !== 0)
        return reject(
          new InventoryDataError(
            `inventory script had an execution error (exit ${code})${stderrTail(stderr)}`,
          ),
        );
      try {
        resolve({ stdout: new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(out)), stderr });
      } catch {
        reject(new InventoryDataError("the inventory script printed characters that are not UTF-8"));
      }
    });
  });
}

function stderrTail(stderr: string): string {
  const line = stderr.trim().split("\n").at(-1);
  return line ? `: ${line}` : "";
}
