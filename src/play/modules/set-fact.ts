// set_fact: set variables on the host for the rest of the run (visible in hostvars too).
import { z } from "zod";
import { toBoolean } from "./params.js";
import type { ModuleDef } from "./types.js";

const params = z.record(z.string(), z.unknown());
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const setFactModule: ModuleDef<z.output<typeof params>> = {
  name: "set_fact",
  params,
  checkMode: "supported",
  check(p) {
    const bad = Object.keys(p).find((k) => !IDENTIFIER.test(k));
    if (bad !== undefined) {
      return `The variable name '${bad}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`;
    }
    return undefined;
  },
  async run(p) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) {
      if (k === "cacheable") continue;
      // As Ansible (without jinja2_native): "yes"/"no"/"true"/"false" strings become booleans.
      facts[k] = typeof v === "string" && /^(true|false|yes|no)$/i.test(v) ? toBoolean(v) : v;
    }
    if (Object.keys(facts).length === 0) {
      return {
        failed: true,
        msg: "No key/value pairs provided, at least one is required for this action to succeed",
      };
    }
    return { changed: false, ansible_facts: facts };
  },
};
