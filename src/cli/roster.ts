// `rollcall roster [-c FILE] [--format yaml|json]`: the inventory as a Salt-SSH flat roster,
// shaped by the config's `roster:` section. Like `inventory`, nothing on stderr on success.

import { stringify } from "yaml";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadInventoryConfig } from "../config/inventory-config.js";
import { validate } from "../config/yaml.js";
import { InputError } from "../errors.js";
import { buildSaltRoster, rosterConfigSchema } from "../inventory/builders/salt-roster.js";
import { loadInventory } from "../inventory/collect.js";
import { type CliContext, cacheDirOf } from "./context.js";
import { noteWriter, resolveConfigPath } from "./inventory.js";

export interface RosterArgs {
  config?: string;
  format?: "yaml" | "json";
  refreshCache?: boolean;
  verbose?: number;
}

export function rosterCommand(ctx: CliContext): CommandModule<object, RosterArgs> {
  return {
    command: "roster",
    describe: "print a Salt-SSH flat roster (YAML; --format json for JSON)",
    builder: (y: Argv) =>
      y
        .option("config", {
          alias: "c",
          type: "string",
          describe: "inventory config file (default: $ROLLCALL_CONFIG)",
        })
        .option("format", {
          choices: ["yaml", "json"] as const,
          default: "yaml" as const,
          describe: "output format",
        })
        .option("refresh-cache", { type: "boolean", describe: "ignore the cache and rewrite it" })
        .option("verbose", {
          alias: "v",
          type: "count",
          describe: "print notes on stderr",
        }) as unknown as Argv<RosterArgs>,
    handler: async (args: ArgumentsCamelCase<RosterArgs>) => {
      const file = resolveConfigPath(args.config, ctx);
      const loaded = await loadInventoryConfig(file);
      const checked = validate(rosterConfigSchema, loaded.yaml, {
        value: loaded.config.roster ?? {},
        basePath: ["roster"],
      });
      if (!checked.ok) throw new InputError(checked.issues);
      const inventory = await loadInventory(file, {
        env: ctx.env,
        homeDir: ctx.homeDir,
        cacheDir: cacheDirOf(ctx),
        refreshCache: args.refreshCache,
        note: noteWriter(ctx, args.verbose ?? 0),
      });
      const roster = buildSaltRoster(inventory, checked.value, { env: ctx.env });
      ctx.stdout(
        args.format === "json" ? `${JSON.stringify(roster, null, 2)}\n` : stringify(roster, { lineWidth: 0 }),
      );
    },
  };
}
