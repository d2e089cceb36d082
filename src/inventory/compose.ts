// `compose:` and expression `keyed_groups` keys — computed from each host's vars by the one
// template engine plays use (src/template/), so `{{ port }}` is the number 9092 here too and
// Jinja and Handlebars both work. The engine is only loaded when a config has something to render.
// Host vars are data: their values are never rendered, only the config's own templates are.
import { InputError } from "../errors.js";
import type { Vars } from "./model.js";

export type ComposeSpec = Record<string, string | number | boolean>;
type Env = Record<string, string | undefined>;

export async function createComposer(
  spec: ComposeSpec,
  file: string,
  env: Env = {},
): Promise<((vars: Vars) => Vars) | undefined> {
  const entries = Object.entries(spec);
  if (entries.length === 0) return undefined;
  const { compileTemplate, isTemplate, renderString, TemplateError } = await import("../template/engine.js");
  for (const [name, value] of entries) {
    if (!isTemplate(value)) continue;
    try {
      compileTemplate(value);
    } catch (err) {
      if (err instanceof TemplateError) throw new InputError(`${file}: compose.${name}: ${err.message}`);
      throw err;
    }
  }
  return (vars) => {
    const out: Vars = {};
    for (const [name, value] of entries) {
      try {
        out[name] = isTemplate(value) ? renderString(value, { vars, env }) : value;
      } catch (err) {
        if (err instanceof TemplateError) throw new InputError(`${file}: compose.${name}: ${err.message}`);
        throw err;
      }
    }
    return out;
  };
}

/** A keyed group's `key` that is neither a var name nor `tags.<Key>`: an expression. */
export function isKeyExpression(key: string): boolean {
  return !/^(tags\..+|[A-Za-z_]\w*)$/.test(key);
}

/**
 * Evaluates expression keys (`ec2_tags['aws:autoscaling:groupName']`, `{{ role }}-{{ env }}`)
 * over a host's vars. As Ansible's `strict: false`, a key that fails for a host gives no group.
 */
export async function createKeyEvaluator(
  keys: readonly string[],
  file: string,
  env: Env = {},
): Promise<((key: string, vars: Vars) => unknown) | undefined> {
  const expressions = keys.filter(isKeyExpression);
  if (expressions.length === 0) return undefined;
  const { compileTemplate, expressionTemplate, renderString, TemplateError } = await import(
    "../template/engine.js"
  );
  for (const key of expressions) {
    try {
      compileTemplate(expressionTemplate(key));
    } catch (err) {
      if (err instanceof TemplateError)
        throw new InputError(`${file}: keyed_groups key "${key}": ${err.message}`);
      throw err;
    }
  }
  return (key, vars) => {
    try {
      return renderString(expressionTemplate(key), { vars, env });
    } catch (err) {
      if (err instanceof TemplateError) return undefined;
      throw err;
    }
  };
}
