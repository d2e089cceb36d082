// Python `re` patterns and replacement strings as JavaScript RegExp: named groups (?P<n>…),
// backreferences (?P=n), \A \Z, inline flags (?i)(?m)(?s), and \1 / \g<1> / \g<name> in
// replacements. Enough for the patterns playbooks use; anything else is passed through.
import { ExprError } from "./python.js";

export interface PyRegexOptions {
  ignorecase?: boolean;
  multiline?: boolean;
}

export function pyRegex(pattern: string, options: PyRegexOptions = {}, global = false): RegExp {
  let flags = global ? "gu" : "u";
  let body = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]!) if ("ims".includes(f) && !flags.includes(f)) flags += f;
  }
  if (options.ignorecase && !flags.includes("i")) flags += "i";
  if (options.multiline && !flags.includes("m")) flags += "m";
  body = body
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, "(?<$1>")
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, "\\k<$1>")
    .replace(/\\A/g, "^")
    .replace(/\\Z/g, "$(?![\\s\\S])");
  try {
    return new RegExp(body, flags);
  } catch (err) {
    try {
      // The u flag is stricter about escapes like \- or \/ that Python accepts.
      return new RegExp(body, flags.replace("u", ""));
    } catch {
      throw new ExprError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
  }
}

/** Python replacement syntax → a function for String.prototype.replace. */
export function pyReplacement(repl: string): (match: string, ...rest: unknown[]) => string {
  return (match, ...rest) => {
    const last = rest.at(-1);
    const named = last && typeof last === "object" ? (last as Record<string, string | undefined>) : {};
    const firstNonGroup = rest.findIndex((r) => typeof r === "number");
    const groups = (firstNonGroup >= 0 ? rest.slice(0, firstNonGroup) : rest) as (string | undefined)[];
    const group = (ref: string): string => {
      if (/^\d+$/.test(ref)) return Number(ref) === 0 ? match : (groups[Number(ref) - 1] ?? "");
      return named[ref] ?? "";
    };
    return repl.replace(/\\(?:g<([^>]+)>|(\d{1,2})|(.))/gs, (_m, g, d, ch) => {
      if (g !== undefined) return group(g);
      if (d !== undefined) return group(d);
      return ({ n: "\n", t: "\t", r: "\r", "\\": "\\" } as Record<string, string>)[ch] ?? `\\${ch}`;
    });
  };
}
