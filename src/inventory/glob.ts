// Globs over names (group, ASG and host names), not paths.

/**
 * A matcher for globs over names (not paths): `*` and `?` match any character, "/" and newlines
 * included (a picomatch `*` stops at "/", so an ASG named "team/kafka" fell out of the default
 * `asg_names: ["*"]` without a word); `[abc]`, `[a-z]`, `[!abc]` as in fnmatch, which Ansible uses
 * for host patterns; `{a,b}` alternatives, which configs written for picomatch use.
 */
export function globMatcher(globs: string | readonly string[]): (name: string) => boolean {
  const list = (typeof globs === "string" ? [globs] : globs).flatMap(expandBraces);
  if (list.includes("*")) return () => true;
  const tests = list.map((g): ((name: string) => boolean) => {
    try {
      const r = new RegExp(`^(?:${globSource(g)})$`, "u");
      return (name) => r.test(name);
    } catch {
      // A class fnmatch accepts and JavaScript does not ("[z-a]"): the glob means itself only.
      return (name) => name === g;
    }
  });
  return (name) => tests.some((t) => t(name));
}

function globSource(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      // fnmatch: a "]" right after "[" or "[!" is a member; no closing "]" makes "[" literal.
      let j = i + 1;
      if (glob[j] === "!") j++;
      if (glob[j] === "]") j++;
      const close = glob.indexOf("]", j);
      if (close < 0) out += "\\[";
      else {
        const negate = glob[i + 1] === "!";
        const body = glob.slice(negate ? i + 2 : i + 1, close).replace(/[\\\]^]/g, "\\$&");
        out += `[${negate ? "^" : ""}${body}]`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return out;
}

/** `a{b,c}d` → `abd`, `acd` (outermost group first, so nested groups expand too). */
function expandBraces(glob: string): string[] {
  const open = glob.indexOf("{");
  if (open < 0) return [glob];
  let depth = 0;
  const cuts: number[] = [];
  for (let i = open; i < glob.length; i++) {
    const c = glob[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      if (cuts.length === 0) return [glob]; // "{x}" is not a list: a literal
      const parts: string[] = [];
      let from = open + 1;
      for (const cut of [...cuts, i]) {
        parts.push(glob.slice(from, cut));
        from = cut + 1;
      }
      const rest = expandBraces(glob.slice(i + 1));
      return parts
        .flatMap((p) => expandBraces(glob.slice(0, open) + p))
        .flatMap((h) => rest.map((r) => h + r));
    } else if (c === "," && depth === 1) cuts.push(i);
  }
  return [glob]; // unbalanced: literal
}
