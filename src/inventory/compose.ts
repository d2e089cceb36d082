// `compose:` — extra hostvars computed from each host's vars with Handlebars, the same template
// language plays use. Handlebars is only loaded when a config has compose entries.
import { InputError } from "../errors.js";
import type { Vars } from "./model.js";

export type ComposeSpec = Record<string, string | number | boolean>;

export async function createComposer(
  spec: ComposeSpec,
  file: string,
): Promise<((vars: Vars) => Vars) | undefined> {
  const entries = Object.entries(spec);
  if (entries.length === 0) return undefined;
  const { default: Handlebars } = await import("handlebars");
  const compiled = entries.map(([name, value]) => {
    if (typeof value !== "string" || !value.includes("{{")) return { name, render: () => value };
    let template: HandlebarsTemplateDelegate;
    try {
      template = Handlebars.compile(value, { noEscape: true, strict: true });
      template({});
    } catch (err) {
      if (!/not defined|Missing helper/.test(String(err))) {
        throw new InputError(`${file}: compose.${name}: invalid template: ${firstLine(err)}`);
      }
    }
    template = Handlebars.compile(value, { noEscape: true, strict: true });
    return {
      name,
      render: (vars: Vars) => {
        try {
          return template(vars);
        } catch (err) {
          throw new InputError(`${file}: compose.${name}: ${firstLine(err)}`);
        }
      },
    };
  });
  return (vars) => {
    const out: Vars = {};
    for (const c of compiled) out[c.name] = c.render(vars);
    return out;
  };
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split("\n")[0]!
    .replace(/^Error: /, "");
}
