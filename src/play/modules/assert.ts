// assert: every condition in `that` must hold.
import { z } from "zod";
import { TemplateError } from "../../template/engine.js";
import { isTruthy } from "../../template/helpers.js";
import { bool } from "./params.js";
import type { ModuleDef } from "./types.js";

const condition = z.union([z.string(), z.boolean(), z.number()]);
const message = z.union([z.string(), z.array(z.string())]);
const params = z.strictObject({
  that: z.union([condition, z.array(condition)]),
  fail_msg: message.optional(),
  success_msg: message.optional(),
  quiet: bool().optional(),
});

export const assertModule: ModuleDef<z.output<typeof params>> = {
  name: "assert",
  params,
  paramAliases: { msg: "fail_msg" },
  conditionParams: ["that"],
  checkMode: "supported",
  async run(p, ctx) {
    const verbose = p.quiet ? {} : { _ansible_verbose_always: true };
    const thats = Array.isArray(p.that) ? p.that : [p.that];
    for (const that of thats) {
      let ok: boolean;
      try {
        ok = typeof that === "string" ? isTruthy(ctx.evaluate(that, "that")) : isTruthy(that);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        return { failed: true, msg: `The conditional check '${that}' failed. The error was: ${err.message}` };
      }
      if (!ok) {
        return {
          ...verbose,
          changed: false,
          failed: true,
          assertion: that,
          evaluated_to: false,
          msg: p.fail_msg ?? "Assertion failed",
        };
      }
    }
    return { ...verbose, changed: false, msg: p.success_msg ?? "All assertions passed" };
  },
};
