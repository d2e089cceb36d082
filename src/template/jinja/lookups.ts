// lookup()/query()/q() and the few lookup plugins rollcall offers: env (the environment the CLI
// passed in), file (contents, as data: never rendered), vars, items/list and dict. Lookups that
// run programs (pipe) or fetch URLs are not offered.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { type Args, type CallEnv, expectDict } from "./calls.js";
import { checkDefined, ExprError, isDict, num, str, Undefined } from "./python.js";

type Plugin = (terms: unknown[], kw: Record<string, unknown>, env: CallEnv) => unknown[];

const PLUGINS: Record<string, Plugin> = {
  env: (terms, kw, env) => terms.map((t) => env.env[str(t)] ?? (kw.default === undefined ? "" : kw.default)),
  file: (terms, kw, env) =>
    terms.map((t) => {
      const text = readLookupFile(str(t), env.baseDir);
      const lstrip = Boolean(kw.lstrip ?? false);
      const rstrip = kw.rstrip === undefined ? true : Boolean(kw.rstrip);
      return (lstrip ? text.trimStart() : text).replace(rstrip ? /\s+$/ : /$^/, "");
    }),
  vars: (terms, kw, env) =>
    terms.map((t) => {
      const v = env.variable(str(t));
      if (v instanceof Undefined) {
        if (kw.default !== undefined) return kw.default;
        throw new ExprError(`No variable found with this name: ${str(t)}`);
      }
      return v;
    }),
  items: (terms) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])),
  list: (terms) => terms,
  dict: (terms) =>
    terms.flatMap((t) =>
      Object.entries(expectDict(t, "dict lookup")).map(([key, value]) => ({ key, value })),
    ),
};

function readLookupFile(name: string, baseDir: string | undefined): string {
  const candidates = isAbsolute(name)
    ? [name]
    : baseDir
      ? [join(baseDir, "files", name), join(baseDir, name)]
      : [];
  for (const path of candidates) {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR")
        throw new ExprError(`could not read file ${name}: ${code}`);
    }
  }
  throw new ExprError(`could not locate file in lookup: ${name}`);
}

/** lookup(name, terms…): one value, or the values joined with commas (Ansible's wantlist=False). */
export function callLookup(kind: "lookup" | "query", a: Args, env: CallEnv): unknown {
  const [name, ...terms] = a.pos;
  const { wantlist, errors, ...kw } = a.kw;
  const plugin = typeof name === "string" ? PLUGINS[name.replace(/^ansible\.builtin\./, "")] : undefined;
  if (!plugin) throw new ExprError(`lookup plugin (${str(name ?? "")}) not found`);
  let values: unknown[];
  try {
    values = plugin(terms, kw, env);
  } catch (err) {
    if (errors === "ignore" || errors === "warn") return kind === "query" || wantlist ? [] : null;
    throw err;
  }
  if (kind === "query" || wantlist) return values;
  if (values.length === 1 && !Array.isArray(values[0])) return values[0];
  if (values.every((v) => typeof v === "string")) return values.join(",");
  return values;
}

/** The global functions of rollcall's Jinja: lookup, query/q, range and dict. */
export function callFunction(name: string, args: Args, env: CallEnv): unknown {
  switch (name) {
    case "lookup":
      return callLookup("lookup", args, env);
    case "query":
    case "q":
      return callLookup("query", args, env);
    case "range": {
      const [a, b, step] = args.pos.map((x) => num(checkDefined(x)));
      const [start, end, by] = b === undefined ? [0, a ?? 0, 1] : [a ?? 0, b, step ?? 1];
      if (by === 0) throw new ExprError("range() arg 3 must not be zero");
      const n = Math.max(0, Math.ceil((end - start) / by));
      env.budget.checkSize(n);
      return Array.from({ length: n }, (_, i) => start + i * by);
    }
    case "dict":
      return { ...(isDict(args.pos[0]) ? args.pos[0] : {}), ...args.kw };
    default:
      throw new ExprError(
        `'${name}' is not a function rollcall templates know (lookup, query, q, range, dict)`,
      );
  }
}
