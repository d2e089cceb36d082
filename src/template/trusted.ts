// Data is data: only template text written by the playbook's author is ever rendered. A play's
// `vars:` (and its vars_files) may hold templates that refer to other variables, expanded when
// read, as Ansible's lazy templating does; every other value — inventory and cloud data, -e,
// registered results, file contents, a template's own output — is data and is never parsed.
// TemplateText marks the first kind; anything not wrapped in it is data.
import { hasTemplateSyntax } from "./recognize.js";

/** A trusted value (a string, or a list/mapping with strings) to render when it is read. */
export class TemplateText {
  constructor(
    readonly value: unknown,
    /** Where the author wrote it, for messages ("play var url"). */
    readonly name: string,
  ) {}
}

function holdsTemplate(value: unknown): boolean {
  if (typeof value === "string") return hasTemplateSyntax(value);
  if (Array.isArray(value)) return value.some(holdsTemplate);
  if (value && typeof value === "object") return Object.values(value).some(holdsTemplate);
  return false;
}

/** Mark the template-holding values of an author-written mapping (play vars) as trusted. */
export function trustTemplates(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    out[k] = v instanceof TemplateText || !holdsTemplate(v) ? v : new TemplateText(v, k);
  }
  return out;
}

/**
 * `vars` with each trusted template replaced by a getter that renders it with `render` when it
 * is read (hostvars[h].url is rendered for h, and only if somebody reads it).
 */
export function lazyVars(
  vars: Record<string, unknown>,
  render: (t: TemplateText) => unknown,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(vars)) {
    if (!(v instanceof TemplateText)) continue;
    out ??= { ...vars };
    // Rendered at most once per object: a name read twice (checked, then used) costs one render.
    let done = false;
    let value: unknown;
    const get = () => {
      if (!done) {
        value = render(v);
        done = true;
      }
      return value;
    };
    Object.defineProperty(out, k, { enumerable: true, configurable: true, get });
  }
  return out ?? vars;
}
