// INI inventory values are read as Ansible reads them: Python's ast.literal_eval when the text is
// a literal, else the text. Compared with the real python3 (Ansible's own interpreter) on a table.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parsePythonValue } from "../../../src/inventory/ansible/python-literal.js";
import { hasProgram } from "../../helpers/programs.js";

const INPUTS = [
  "42",
  "-5",
  "+3",
  "1_000",
  "0x1F",
  "0o17",
  "0b101",
  "00",
  "010",
  "1.5",
  ".5",
  "5.",
  "1e3",
  "2.5e-3",
  "True",
  "False",
  "None",
  "true",
  "yes",
  "hello",
  "hello world",
  "'quoted'",
  '"double"',
  "'a' 'b'",
  "'tab\\there'",
  "'\\x41\\u00e9'",
  "'unknown \\q escape'",
  "[1, 'a', None]",
  "[]",
  "(1, 2)",
  "(1)",
  "()",
  "{'k': [1, None, True]}",
  "{1: 'one'}",
  "{}",
  "42 # a comment",
  "hello # not a comment",
  " 42",
  "\t[1]",
  "42 ",
  "[1, 2",
  "'open",
  "1 + 2",
  "x.y",
  "-'a'",
  "1__0",
  "1_",
  "0777",
  "",
];

function pythonValues(inputs: string[]): unknown[] {
  const script = [
    "import ast, json, sys",
    "out = []",
    "for v in json.load(sys.stdin):",
    "    try:",
    "        r = ast.literal_eval(v)",
    "        out.append(list(r) if isinstance(r, tuple) else r)",
    "    except (ValueError, SyntaxError):",
    "        out.append(v)",
    "print(json.dumps(out))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(inputs), encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

describe.runIf(hasProgram("python3") || process.env.CI === "true")("INI values as Python literals", () => {
  it("equal ast.literal_eval's for every case of the table", () => {
    const expected = pythonValues(INPUTS);
    const got = INPUTS.map((v) => parsePythonValue(v));
    const rows = INPUTS.map((input, i) => ({ input, python: expected[i], rollcall: got[i] }));
    expect(rows.filter((r) => JSON.stringify(r.python) !== JSON.stringify(r.rollcall))).toEqual([]);
  });
});
