// splitShellWords side by side with the real python3's shlex.split (installed with ansible-core),
// with and without comments: the same words, or the same error message.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { splitShellWords } from "../../src/config/shlex.js";
import { hasProgram } from "../helpers/programs.js";

const CASES = [
  "",
  "a b  c",
  " \tlead and trail \n",
  "echo 'single $HOME \\n'",
  'echo "double \\" \\\\ \\$ \\` \\n x"',
  "a\\ b c\\\\d",
  "a'b c'd\"e f\"g",
  "'' \"\" x",
  "a#b c",
  "a #b c",
  "'a#b' \"c#d\" e\\#f",
  "x # comment\ny z",
  "line\\\nnext",
  "no\u00a0break space",
  "tab\there",
  "host ansible_host=127.0.0.9 ansible_port=2222 'spaced var'=\"x y\"",
  "{{ item }} '{{ quoted }}' \"{{ also }}\"",
  "unclosed 'quote",
  'unclosed "double',
  "trailing\\",
  '"trailing\\',
  "é ü 漢字 'emoji 🦀'",
];

function pythonSplit(comments: boolean): unknown[] {
  const script = `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append(shlex.split(s, comments=${comments ? "True" : "False"}))
    except ValueError as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script], { input: JSON.stringify(CASES) }).toString());
}

function ours(comments: boolean): unknown[] {
  return CASES.map((s) => {
    try {
      return splitShellWords(s, { comments });
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
}

describe.runIf(hasProgram("python3") || process.env.CI === "true")(
  "splitShellWords vs python3 shlex.split",
  () => {
    for (const comments of [false, true]) {
      it(`comments=${comments}: the same words or the same error for ${CASES.length} inputs`, () => {
        const py = pythonSplit(comments);
        const got = ours(comments);
        const rows = CASES.map((s, i) => ({ input: s, python: py[i], rollcall: got[i] }));
        expect(rows.filter((r) => JSON.stringify(r.python) !== JSON.stringify(r.rollcall))).toEqual([]);
      });
    }
  },
);
