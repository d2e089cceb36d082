// The module registry. Built-in modules are registered here; later modules (spotinst_stateful,
// asg_recycle, lifecycle_action, SSH-only copy/script) call `registerModule` from their own
// file and are imported once from here so every entry point sees the same set.
import { asgRecycleModule } from "./asg-recycle.js";
import { assertModule } from "./assert.js";
import { commandModule } from "./command.js";
import { copyModule } from "./copy.js";
import { debugModule } from "./debug.js";
import { failModule } from "./fail.js";
import { pauseModule } from "./pause.js";
import { scriptModule } from "./script.js";
import { setFactModule } from "./set-fact.js";
import { shellModule } from "./shell.js";
import { spotinstStatefulModule } from "./spotinst-stateful.js";
import type { ModuleDef } from "./types.js";
import { uriModule } from "./uri.js";
import { waitForModule } from "./wait-for.js";

const byName = new Map<string, ModuleDef>();

export function registerModule(def: ModuleDef): void {
  for (const name of [def.name, ...(def.aliases ?? [])]) {
    const existing = byName.get(name);
    if (existing && existing !== def) throw new Error(`module name "${name}" registered twice`);
    byName.set(name, def);
  }
}

/** A module by name or alias; `ansible.builtin.` prefixes are accepted for familiarity. */
export function findModule(name: string): ModuleDef | undefined {
  return byName.get(name) ?? byName.get(name.replace(/^ansible\.(builtin|legacy)\./, ""));
}

/** Every name and alias, for did-you-mean hints. */
export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}

for (const def of [
  debugModule,
  failModule,
  assertModule,
  setFactModule,
  pauseModule,
  waitForModule,
  uriModule,
  commandModule,
  shellModule,
  scriptModule,
  copyModule,
  spotinstStatefulModule,
  asgRecycleModule,
]) {
  registerModule(def);
}
