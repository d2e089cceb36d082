// `rollcall inventory --list | --host NAME`, also reachable as the bare `rollcall --list`, so the
// bin itself is an Ansible script inventory. Nothing goes to stderr on success: Ansible shows
// any stderr as an error. Notes appear only with -v.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { UsageError } from "../errors.js";
import { toAnsibleHost, toAnsibleList } from "../inventory/builders/ansible.js";
import { loadInventory } from "../inventory/collect.js";
import type { InventoryNote } from "../inventory/model.js";
import { type CliContext, cacheDirOf } from "./context.js";
import { SPOTINST_RATE_LIMIT_HELP } from "./spotinst-help.js";
import { createWaitProgress } from "./wait-progress.js";

export interface InventoryArgs {
  list?: boolean;
  host?: string;
  config?: string;
  refreshCache?: boolean;
  verbose?: number;
}

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
  const inventory = await loadInventory(resolveConfigPath(args.config, ctx), {
    env: ctx.env,
    homeDir: ctx.homeDir,
    cacheDir: cacheDirOf(ctx),
    refreshCache: args.refreshCache,
    note: noteWriter(ctx, args.verbose ?? 0),
  });
  const out = args.host !== undefined ? toAnsibleHost(inventory, args.host) : toAnsibleList(inventory);
  // Indented for people; compact for programs (Ansible parses 10,000 hosts faster, too).
  ctx.stdout(`${JSON.stringify(out, null, ctx.stdoutIsTTY ? 2 : undefined)}\n`);
}

/**
 * Exactly what Ansible runs (`<script> --list`, `<script> --host NAME`), recognised without
 * loading yargs: it runs on every ansible invocation, so its start-up time is the product's.
 */
export function parseScriptInventoryCall(argv: readonly string[]): InventoryArgs | undefined {
  if (argv.length === 1 && argv[0] === "--list") return { list: true };
  if (argv.length === 2 && argv[0] === "--host" && argv[1] && !argv[1].startsWith("-"))
    return { host: argv[1] };
  return undefined;
}
