// INI inventory values as Ansible reads them: Python's ast.literal_eval when the text is a Python
// literal (42, 1.5, 'quoted', True, None, [1, 2], {'a': 1}), else the text itself
// (ansible-core 2.14 plugins/inventory/ini.py _parse_value). Only literals: nothing is evaluated.

/** The value of a Python literal, or `text` unchanged when it is not one. */
export function parsePythonValue(text: string): unknown {
  try {
    // Python (3.10+) drops leading spaces and tabs before parsing.
    const p = new LiteralParser(text.replace(/^[ \t]+/, ""));
    const value = p.parseExpression();
    p.skipSpace();
    // Python source may end in a comment: `42  # the answer` is 42.
    return p.atEnd() || p.atComment() ? value : text;
  } catch {
    return text;
  }
}

class NotLiteral extends Error {}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][-+]?\d(?:_?\d)*)?)/;
const ESCAPES: Record<string, string> = {
  "\n": "",
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  atComment(): boolean {
    return this.s[this.i] === "#";
  }

  skipSpace(): void {
    while (this.i < this.s.length && " \t\f".includes(this.s[this.i]!)) this.i++;
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.s[this.i] !== c) throw new NotLiteral();
    this.i++;
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.s[this.i];
  }

  parseExpression(): unknown {
    const c = this.peek();
    if (c === "-" || c === "+") {
      this.i++;
      const v = this.parseExpression();
      if (typeof v !== "number") throw new NotLiteral();
      return c === "-" ? -v : v;
    }
    if (c === "[") return this.parseSequence("[", "]");
    if (c === "(") return this.parseSequence("(", ")");
    if (c === "{") return this.parseDict();
    if (c === "'" || c === '"' || ((c === "u" || c === "U") && /['"]/.test(this.s[this.i + 1] ?? ""))) {
      let out = this.parseString();
      // Adjacent string literals concatenate, as in Python source.
      while (/^['"]/.test(this.s.slice(this.i).trimStart())) out += this.parseString();
      return out;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (word) {
      this.i += word.length;
      if (word === "True") return true;
      if (word === "False") return false;
      if (word === "None") return null;
      throw new NotLiteral();
    }
    return this.parseNumber();
  }

  private parseNumber(): number {
    const text = NUMBER.exec(this.s.slice(this.i))?.[0] ?? "";
    if (!/\d/.test(text)) throw new NotLiteral();
    const next = this.s[this.i + text.length];
    if (next && /[A-Za-z0-9_.]/.test(next)) throw new NotLiteral();
    this.i += text.length;
    const clean = text.replace(/_/g, "");
    if (/^0[xob]/i.test(clean)) return Number(clean.toLowerCase());
    // Python 3 refuses 010 (but takes 00 and 0.5).
    if (/^0\d/.test(clean) && !/[.eE]/.test(clean) && /[1-9]/.test(clean)) throw new NotLiteral();
    return Number(clean);
  }

  private parseString(): string {
    this.skipSpace();
    if (this.s[this.i] === "u" || this.s[this.i] === "U") this.i++;
    const q = this.s[this.i]!;
    const triple = this.s.startsWith(q.repeat(3), this.i);
    this.i += triple ? 3 : 1;
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) throw new NotLiteral();
      if (triple ? this.s.startsWith(q.repeat(3), this.i) : this.s[this.i] === q) {
        this.i += triple ? 3 : 1;
        return out;
      }
      const c = this.s[this.i++]!;
      if (c === "\n" && !triple) throw new NotLiteral();
      if (c !== "\\") {
        out += c;
        continue;
      }
      out += this.parseEscape();
    }
  }

  private parseEscape(): string {
    const e = this.s[this.i++] ?? "";
    if (e in ESCAPES) return ESCAPES[e]!;
    const hex = (n: number) => {
      const h = this.s.slice(this.i, this.i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new NotLiteral();
      this.i += n;
      return String.fromCodePoint(Number.parseInt(h, 16));
    };
    if (e === "x") return hex(2);
    if (e === "u") return hex(4);
    if (e === "U") return hex(8);
    if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{0,2}/.exec(this.s.slice(this.i))![0];
      this.i += oct.length;
      return String.fromCodePoint(Number.parseInt(e + oct, 8));
    }
    // Unknown escapes keep their backslash in Python.
    return `\\${e}`;
  }

  private parseSequence(open: string, close: string): unknown[] {
    this.expect(open);
    const out: unknown[] = [];
    let sawComma = false;
    while (this.peek() !== close) {
      out.push(this.parseExpression());
      if (this.peek() === ",") {
        this.i++;
        sawComma = true;
      } else break;
    }
    this.expect(close);
    // `(1)` is just 1 in Python; a tuple needs a comma (or is empty).
    if (open === "(" && out.length === 1 && !sawComma) return out[0] as unknown[];
    return out;
  }

  private parseDict(): Record<string, unknown> {
    this.expect("{");
    const out: Record<string, unknown> = {};
    while (this.peek() !== "}") {
      const key = this.parseExpression();
      // Sets ({1, 2}) and unhashable keys have no JSON form: not taken as literals here.
      if (typeof key === "object" && key !== null) throw new NotLiteral();
      this.expect(":");
      out[String(key)] = this.parseExpression();
      if (this.peek() === ",") this.i++;
      else break;
    }
    this.expect("}");
    return out;
  }
}
