// Python's shlex.split(line, comments=True) in POSIX mode, which Ansible's INI inventory uses to
// split a host line. (play/parse/shlex.ts has the comment-less variant for `command`; the layer
// rules keep inventory/ from importing play/.)

/** Words of `line`; an unquoted `#` ends the line. Throws on an unclosed quote. */
export function splitHostLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < line.length && (line[i + 1] === '"' || line[i + 1] === "\\")) {
        word += line[++i];
      } else word += c;
    } else if (c === "#") {
      break;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new Error("No escaped character");
      word += line[++i];
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
