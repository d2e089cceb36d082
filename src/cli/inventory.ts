// `rollcall inventory --list | --host NAME`, also reachable as the bare `rollcall --list`, so the
// bin itself is an Ansible script inventory. Nothing goes to stderr on success: Ansible shows
// any stderr as an error. Notes appear only with -v.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { UsageError } from "../errors.js";
import { toAnsibleHost, toAnsibleList } from "../inventory/builders/ansible.js";
import { type LeanInputs, loadInventory } from "../inventory/collect.js";
import type { InventoryNote } from "../inventory/model.js";
import { type CliContext, cacheDirOf } from "./context.js";
import { type InventoryArgs, readConfigBytes } from "./inventory-lean.js";
import { SPOTINST_RATE_LIMIT_HELP } from "./spotinst-help.js";
import { createWaitProgress } from "./wait-progress.js";

export type { InventoryArgs } from "./inventory-lean.js";

/** -c FILE, else ROLLCALL_CONFIG. */
export function resolveConfigPath(explicit: string | undefined, ctx: CliContext): string {
  const file = explicit ?? ctx.env.ROLLCALL_CONFIG;
  if (!file) throw new UsageError("no inventory config: pass -c FILE or set ROLLCALL_CONFIG");
  return file;
}

export function noteWriter(ctx: CliContext, verbosity: number): (n: InventoryNote) => void {
  const progress = createWaitProgress(ctx);
  return (n) => {
    if (verbosity > 0) ctx.stderr(`rollcall: ${n.level === "warn" ? "warning: " : ""}${n.message}\n`);
    if (n.waitMs !== undefined) progress(n.message, n.waitMs);
  };
}

export function inventoryCommand(ctx: CliContext): CommandModule<object, InventoryArgs> {
  return {
    command: "inventory",
    describe: "print the Ansible inventory (script protocol: --list / --host NAME)",
    builder: (y: Argv) =>
      y
        .option("list", { type: "boolean", describe: "print every host and group (JSON)" })
        .option("host", { type: "string", describe: "print one host's vars (JSON; {} if unknown)" })
        .option("config", {
          alias: "c",
          type: "string",
          describe: "inventory config file (default: $ROLLCALL_CONFIG)",
        })
        .option("refresh-cache", { type: "boolean", describe: "ignore the cache and rewrite it" })
        .option("verbose", {
          alias: "v",
          type: "count",
          describe:
            "print notes on stderr: skipped instances, retries, and one line per Spotinst rate-limit wait",
        })
        .conflicts("list", "host")
        .epilogue(SPOTINST_RATE_LIMIT_HELP)
        .check((a) => {
          if (!a.list && a.host === undefined) throw new Error("pass --list or --host NAME");
          if (a.host !== undefined && a.host === "") throw new Error("--host needs a host name");
          return true;
        }) as unknown as Argv<InventoryArgs>,
    handler: (args: ArgumentsCamelCase<InventoryArgs>) => printInventory(args, ctx),
  };
}

export async function printInventory(args: InventoryArgs, ctx: CliContext): Promise<void> {
  const file = resolveConfigPath(args.config, ctx);
  // Read before the build: the built output is keyed by the bytes it was built from.
  const config = readConfigBytes(file, ctx);
  let lean: LeanInputs | undefined;
  const inventory = await loadInventory(file, {
    env: ctx.env,
    homeDir: ctx.homeDir,
    cacheDir: cacheDirOf(ctx),
    refreshCache: args.refreshCache,
    note: noteWriter(ctx, args.verbose ?? 0),
    onLeanInputs: (inputs) => {
      lean = inputs;
    },
  });
  const list = toAnsibleList(inventory);
  // Compact for programs (Ansible parses 10,000 hosts faster, too) and for the cache.
  const compact = (args.host === undefined && !ctx.stdoutIsTTY) || lean ? JSON.stringify(list) : "";
  if (args.host !== undefined) {
    ctx.stdout(
      `${JSON.stringify(toAnsibleHost(inventory, args.host), null, ctx.stdoutIsTTY ? 2 : undefined)}\n`,
    );
  } else {
    // Indented for people.
    ctx.stdout(`${ctx.stdoutIsTTY ? JSON.stringify(list, null, 2) : compact}\n`);
  }
  if (lean && config) await saveBuiltOutput(file, config, lean, compact, ctx);
}

/** Cache the printed inventory for the lean path, if the config did not change meanwhile. */
async function saveBuiltOutput(
  file: string,
  before: { path: string; bytes: Buffer },
  inputs: LeanInputs,
  compact: string,
  ctx: CliContext,
): Promise<void> {
  const after = readConfigBytes(file, ctx);
  if (!after?.bytes.equals(before.bytes)) return;
  const { writeLeanOutput } = await import("../cache/lean-output.js");
  writeLeanOutput(
    {
      dir: cacheDirOf(ctx),
      configPath: before.path,
      configBytes: before.bytes,
      env: ctx.env,
      homeDir: ctx.homeDir,
      uid: process.getuid?.(),
    },
    inputs,
    compact,
  );
}
