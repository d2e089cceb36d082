// Ansible's key=value argument strings (`k=v k2="v 2" free words`), which keep `{{ … }}` together.
// (Python's shlex.split, for `command` and INI host lines, is src/config/shlex.ts.)

/**
 * Split Ansible's `k=v k2="v 2" free words` strings into tokens. Quotes group words (and are
 * removed around values), `{{ … }}` is never split.
 */
export function splitArgs(text: string): string[] {
  const tokens: string[] = [];
  let cur = "";
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (text.startsWith("{{", i)) depth++;
    if (text.startsWith("}}", i) && depth > 0) depth--;
    if (quote) {
      if (c === quote && text[i - 1] !== "\\") quote = undefined;
      cur += c;
    } else if ((c === '"' || c === "'") && depth === 0) {
      quote = c;
      cur += c;
    } else if (/\s/.test(c) && depth === 0) {
      if (cur) tokens.push(cur);
      cur = "";
    } else cur += c;
  }
  if (quote) throw new Error("unbalanced quotes");
  if (cur) tokens.push(cur);
  return tokens;
}

/** `key=value` → [key, value] (quotes around the value removed), else undefined. */
export function parseKeyValue(token: string): [string, string] | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(token);
  if (!m) return undefined;
  let value = m[2]!;
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    value = value.slice(1, -1);
  }
  return [m[1]!, value];
}
