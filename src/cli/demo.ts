// `rollcall demo` (what `npm start` runs): start the simulator in-process, show the inventory
// rollcall builds from it exactly as Ansible would get it, run the safe serial recycle
// (playbooks/recycle-esg.yml) against its kafka group with live progress, and stop the simulator.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandModule } from "yargs";
import { loadInventoryConfig } from "../config/inventory-config.js";
import { ExitCode } from "../errors.js";
import { toAnsibleList } from "../inventory/builders/ansible.js";
import { collectInventory } from "../inventory/collect.js";
import type { Inventory } from "../inventory/model.js";
import { startSimulator } from "../sim/index.js";
import type { CliContext } from "./context.js";
import { runPlay } from "./play.js";

/** The repo (or installed package) root: dist/cli/demo.js → ../.. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

interface DemoArgs {
  json: boolean | undefined;
  "time-scale": number;
  recycle: boolean;
}

/**
 * Poll Spotinst every second instead of the playbook's 10: at the demo's time scale a whole
 * recycle (accept 2 + stop 20 + start 40 + boot 5 simulated seconds) takes about 3.4 s real.
 */
const DEMO_VARS = ["recycle_poll_interval=1", "recycle_health_check=true", "recycle_health_delay=1"];

export function demoCommand(ctx: CliContext): CommandModule<object, DemoArgs> {
  return {
    command: "demo",
    describe: "start the simulator, show its inventory, and stop (what `npm start` runs)",
    builder: (y) =>
      y
        .option("json", { type: "boolean", describe: "print the full `inventory --list` JSON too" })
        .option("time-scale", { type: "number", default: 20, describe: "simulated seconds per real second" })
        .option("recycle", {
          type: "boolean",
          default: true,
          describe: "also run playbooks/recycle-esg.yml against the kafka group (--no-recycle: skip)",
        }),
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
        if (args.recycle) await demoRecycle(ctx, sim.env, cacheDir);
        ctx.stdout(
          `\nEvery address above is a real listener on loopback. Try it yourself:\n` +
            `  npx rollcall sim --time-scale 60 > /tmp/rollcall-sim.env 2>/tmp/rollcall-sim.log &\n` +
            `  until grep -qx ready /tmp/rollcall-sim.env; do sleep 0.2; done\n` +
            `  export $(grep = /tmp/rollcall-sim.env)\n` +
            `  ansible-inventory -i inventories/demo --graph\n` +
            `  npx rollcall play playbooks/recycle-esg.yml -i inventories/demo.yml -e recycle_poll_interval=1\n`,
        );
      } finally {
        await sim.close();
        await rm(cacheDir, { recursive: true, force: true });
      }
    },
  };
}

/** The recycle play, in-process, with a private state and cache dir (never the user's). */
async function demoRecycle(ctx: CliContext, simEnv: Record<string, string>, dir: string): Promise<void> {
  const playbook = join(PACKAGE_ROOT, "playbooks", "recycle-esg.yml");
  const inventory = join(PACKAGE_ROOT, "inventories", "demo.yml");
  ctx.stdout(
    `\nRecycling kafka-prod one stateful instance at a time:\n` +
      `  npx rollcall play playbooks/recycle-esg.yml -i inventories/demo.yml ${DEMO_VARS.map((v) => `-e ${v}`).join(" ")}\n`,
  );
  const env: Record<string, string | undefined> = {
    PATH: ctx.env.PATH,
    NO_COLOR: ctx.env.NO_COLOR,
    ...simEnv,
    HOME: dir,
    XDG_CACHE_HOME: join(dir, "cache"),
    XDG_STATE_HOME: join(dir, "state"),
  };
  const playCtx: CliContext = { ...ctx, env, homeDir: dir, exitCode: ExitCode.ok };
  await runPlay({ playbook, inventory, "extra-vars": DEMO_VARS }, playCtx);
  ctx.exitCode = playCtx.exitCode;
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
