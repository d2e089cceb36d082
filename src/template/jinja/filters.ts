// Jinja's built-in filters and Ansible's (ansible.builtin) filters that playbooks use, with the
// argument names and corner cases of Jinja 3.1 / ansible-core 2.14. Collection filters and
// text filters live in ./filters-data.ts and ./filters-text.ts; this file is the table.
import { type Args, arg, type CallEnv, type Filter } from "./calls.js";
import { DATA_FILTERS } from "./filters-data.js";
import { TEXT_FILTERS } from "./filters-text.js";
import { ExprError, truthy, typeName, Undefined } from "./python.js";

/** default(value, default_value='', boolean=False) */
const defaultFilter: Filter = (v, a) => {
  const fallback = arg(a, 0, "default_value", "");
  const boolean = arg(a, 1, "boolean", false);
  if (v instanceof Undefined) return fallback;
  if (boolean && !truthy(v)) return fallback;
  return v;
};

const mandatory: Filter = (v, a) => {
  if (!(v instanceof Undefined)) return v;
  const msg = arg(a, 0, "msg", null);
  if (msg !== null) throw new ExprError(String(msg));
  throw new ExprError(`Mandatory variable '${v.expr}' not defined.`);
};

const ternary: Filter = (v, a) => {
  const noneVal = arg(a, 2, "none_val", null);
  if (v === null && noneVal !== null) return noneVal;
  return truthy(v) ? arg(a, 0, "true_val") : arg(a, 1, "false_val");
};

/** Filters that look at an undefined input themselves; all others fail on it. */
const TAKES_UNDEFINED = new Set(["default", "d", "mandatory", "type_debug"]);

export const FILTERS: Record<string, Filter> = {
  default: defaultFilter,
  d: defaultFilter,
  mandatory,
  ternary,
  type_debug: (v) => typeName(v),
  ...TEXT_FILTERS,
  ...DATA_FILTERS,
};

export function applyFilter(name: string, value: unknown, args: Args, env: CallEnv): unknown {
  const short = name.replace(/^ansible\.builtin\./, "");
  const fn = Object.hasOwn(FILTERS, short) ? FILTERS[short] : undefined;
  if (!fn) throw new ExprError(`no filter named '${name}'`);
  if (value instanceof Undefined && !TAKES_UNDEFINED.has(short)) throw new ExprError(value.message());
  return fn(value, args, env);
}

export function filterNames(): string[] {
  return Object.keys(FILTERS);
}
