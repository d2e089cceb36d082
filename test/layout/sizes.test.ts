// House rules from docs/architecture.md: no file in src/ over ~300 lines (checked at 320), no
// function over 80 lines unless a comment just above it says why it must be one piece
// ("One piece: …"). Run `npx vitest run test/layout` to list offenders.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const MAX_FILE_LINES = 320;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function longFunctions(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && "body" in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const holder = ts.isFunctionDeclaration(n) ? n : n.parent;
      const comments = ts.getLeadingCommentRanges(text, holder.getFullStart()) ?? [];
      const explained = comments.some((c) => /one piece/i.test(text.slice(c.pos, c.end)));
      if (last - first + 1 > MAX_FUNCTION_LINES && !explained) {
        const name = ts.isFunctionDeclaration(n) && n.name ? n.name.text : `line ${first + 1}`;
        found.push(`${file}:${name} (${last - first + 1} lines)`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe("sizes in src/", () => {
  const files = sourceFiles("src");

  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => ({ f, lines: readFileSync(f, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ f, lines }) => `${f} (${lines} lines)`);
    expect(long).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines without a "One piece" comment`, () => {
    const long = files.filter((f) => f.endsWith(".ts")).flatMap(longFunctions);
    expect(long).toEqual([]);
  });
});
