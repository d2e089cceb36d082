// Python's shlex.split(text, comments) in POSIX mode: Ansible splits an INI inventory's host lines
// with it (comments=True) and a `command` task's free-form argv (comments=False). One copy for
// both, here below inventory/ and play/. Hand-written on purpose: npm's `shlex` port also expands
// bash's $'…' and $"…" quotes, which Python does not, and has no comment mode.
// test/config/shlex.test.ts checks it against the real python3 side by side.

/** Python's shlex.whitespace: not /\s/ (a no-break space is part of a word). */
const WHITESPACE = " \t\r\n";

/** Thrown with Python's own messages: "No closing quotation", "No escaped character". */
export class ShlexError extends Error {}

/** The words of `text`; with `comments`, an unquoted `#` starts a comment that runs to the end of its line. */
export function splitShellWords(text: string, options: { comments?: boolean } = {}): string[] {
  const words: string[] = [];
  let word = "";
  // A quoted empty string is a word too ('' → [""]), so "in a word" is tracked apart from `word`.
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\") {
        if (i + 1 >= text.length) throw new ShlexError("No escaped character");
        const next = text[++i]!;
        // Inside double quotes a backslash escapes only `"` and itself; otherwise it stays.
        word += next === '"' || next === "\\" ? next : `\\${next}`;
      } else word += c;
    } else if (WHITESPACE.includes(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (options.comments && c === "#") {
      // Python skips to the end of the line, then carries on with the next one.
      const eol = text.indexOf("\n", i);
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      if (eol < 0) break;
      i = eol;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new ShlexError("No escaped character");
      word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new ShlexError("No closing quotation");
  if (inWord) words.push(word);
  return words;
}
