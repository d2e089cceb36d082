// debug: print a message or a variable (shown with the result, like Ansible's verbose_always).
import { z } from "zod";
import { TemplateError } from "../../template/engine.js";
import { int, str } from "./params.js";
import type { ModuleDef } from "./types.js";

const params = z.strictObject({
  msg: z.unknown().optional(),
  var: str().optional(),
  verbosity: int().optional(),
});

export const debugModule: ModuleDef<z.output<typeof params>> = {
  name: "debug",
  params,
  expressionParams: ["var"],
  checkMode: "supported",
  check: (p) =>
    p.msg !== undefined && p.var !== undefined ? "'msg' and 'var' are incompatible options" : undefined,
  async run(p, ctx) {
    if ((p.verbosity ?? 0) > ctx.verbosity) {
      return { skipped: true, skipped_reason: "Verbosity threshold not met.", failed: false };
    }
    if (p.var !== undefined) {
      let value: unknown;
      try {
        value = ctx.evaluate(p.var, "var");
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        value = `VARIABLE IS NOT DEFINED!${ctx.verbosity > 0 ? `: ${err.message}` : ""}`;
      }
      return { [p.var]: value, failed: false, _ansible_verbose_always: true };
    }
    return { msg: p.msg ?? "Hello world!", failed: false, _ansible_verbose_always: true };
  },
};
