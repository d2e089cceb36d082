// Word splitting: POSIX shell rules (Python's shlex.split, which Ansible's `command` uses) and
// Ansible's key=value argument strings, which also keep `{{ … }}` together.

/** Split like Python's shlex.split(s) (POSIX mode, no comments). Throws on an open quote. */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error("No closing quotation");
  if (inWord) words.push(word);
  return words;
}

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
