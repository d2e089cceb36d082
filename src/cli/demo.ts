// `rollcall demo` (what `npm start` runs): start the simulator in-process, show the inventory
// rollcall builds from it exactly as Ansible would get it, and stop the simulator.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandModule } from "yargs";
import { loadInventoryConfig } from "../config/inventory-config.js";
import { toAnsibleList } from "../inventory/builders/ansible.js";
import { collectInventory } from "../inventory/collect.js";
import type { Inventory } from "../inventory/model.js";
import { startSimulator } from "../sim/index.js";
import type { CliContext } from "./context.js";

/** The repo (or installed package) root: dist/cli/demo.js → ../.. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

interface DemoArgs {
  json: boolean | undefined;
  "time-scale": number;
}

export function demoCommand(ctx: CliContext): CommandModule<object, DemoArgs> {
  return {
    command: "demo",
    describe: "start the simulator, show its inventory, and stop (what `npm start` runs)",
    builder: (y) =>
      y
        .option("json", { type: "boolean", describe: "print the full `inventory --list` JSON too" })
        .option("time-scale", { type: "number", default: 20, describe: "simulated seconds per real second" }),
    handler: async (args) => {
      const sim = await startSimulator({ timeScale: args.timeScale });
      // A private cache dir: the demo must never read or pollute the user's cache.
      const cacheDir = await mkdtemp(join(tmpdir(), "rollcall-demo-"));
      try {
        const configFile = join(PACKAGE_ROOT, "inventories", "demo.yml");
        const { config } = await loadInventoryConfig(configFile);
        ctx.stdout(
          `Simulator up: Spotinst API at ${sim.env.SPOTINST_API_URL} (account ${sim.env.SPOTINST_ACCOUNT_ID})\n`,
        );
        const { inventory } = await collectInventory(config, configFile, {
          env: { ...sim.env },
          homeDir: cacheDir,
          cacheDir,
        });
        ctx.stdout(`\nInventory from ${configFile}:\n\n`);
        ctx.stdout(renderGraph(inventory));
        if (args.json) ctx.stdout(`\n${JSON.stringify(toAnsibleList(inventory), null, 2)}\n`);
        ctx.stdout(
          `\nEvery address above is a real listener on loopback. Try it yourself:\n` +
            `  rollcall sim            # prints the env to export, then "ready"\n` +
            `  ansible-inventory -i inventories/demo --graph\n`,
        );
      } finally {
        await sim.close();
        await rm(cacheDir, { recursive: true, force: true });
      }
    },
  };
}

/** Like `ansible-inventory --graph`, with each host's state and instance id. */
export function renderGraph(inventory: Inventory): string {
  const lines: string[] = [];
  const walk = (group: string, depth: number) => {
    const g = inventory.groups[group];
    if (!g) return;
    const pad = "  |".repeat(depth);
    lines.push(`${pad}--@${group}:`);
    for (const child of g.children) walk(child, depth + 1);
    for (const host of g.hosts) {
      const v = inventory.hosts[host] ?? {};
      const detail = [v.spotinst_state, v.spotinst_instanceId ?? v.ec2_instance_id, v.spotinst_id]
        .filter((x) => typeof x === "string")
        .join(" ");
      lines.push(`${pad}  |--${host}${detail ? `  (${detail})` : ""}`);
    }
  };
  lines.push("@all:");
  for (const child of inventory.groups.all?.children ?? []) walk(child, 1);
  return `${lines.join("\n")}\n`;
}
