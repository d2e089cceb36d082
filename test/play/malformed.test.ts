// Malformed plays: each gives one `file:line:col: message` line on stderr, exit code 4
// (ExitCode.badInput, ansible-playbook's parser error), and nothing runs. `‸` in a playbook marks
// where the error must point.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { play, tempDir } from "./support.js";

const head = `- hosts: all\n  connection: local\n  gather_facts: false\n`;
/** A first task that leaves a file behind if anything ran. */
const canary = `    - command: touch ran.txt\n`;
const tasks = (body: string) => `${head}  tasks:\n${canary}${body}`;

interface Case {
  name: string;
  playbook: string;
  message: string | RegExp;
  args?: string[];
  /** When not ExitCode.badInput: a missing file is ansible-playbook's 1 ("was not found"). */
  code?: number;
}

const cases: Case[] = [
  { name: "bad YAML (unclosed flow)", playbook: `${head}  tasks: [\n‸`, message: "invalid YAML" },
  {
    name: "bad YAML (duplicate key)",
    playbook: tasks(`    - debug: {}\n      ‸debug: {}\n`),
    message: /invalid YAML: Map keys must be unique/,
  },
  {
    name: "not a list of plays",
    playbook: `‸hosts: all\ntasks: []\n`,
    message: "a playbook must be a list of plays",
  },
  { name: "a play that is not a mapping", playbook: `- ‸just words\n`, message: "expected a play" },
  {
    name: "unknown play keyword",
    playbook: `- hosts: all\n  ‸hostz: all\n  tasks: []\n`,
    message: 'unknown option "hostz"',
  },
  { name: "missing hosts", playbook: `- ‸name: x\n  tasks: []\n`, message: "hosts: missing required option" },
  {
    name: "unknown task keyword",
    playbook: tasks(`    - debug: {}\n      ‸whne: true\n`),
    message: 'unknown task keyword or module "whne" (did you mean "when"?)',
  },
  {
    name: "unknown module",
    playbook: tasks(`    - ‸wait_fro: { port: 1 }\n`),
    message: 'unknown task keyword or module "wait_fro" (did you mean "wait_for"?)',
  },
  {
    name: "two modules in one task",
    playbook: tasks(`    - debug: {}\n      ‸fail: {}\n`),
    message: "conflicting action statements: debug, fail",
  },
  {
    name: "no module",
    playbook: tasks(`    - ‸name: nothing to do\n`),
    message: "no module given in the task",
  },
  {
    name: "missing required parameter",
    playbook: tasks(`    - uri: ‸{ method: GET }\n`),
    message: "uri: url: missing required option",
  },
  {
    name: "unknown parameter",
    playbook: tasks(`    - wait_for: { ‸prot: 80 }\n`),
    message: 'wait_for: unknown option "prot" (did you mean "port"?)',
  },
  {
    name: "parameter of the wrong type",
    playbook: tasks(`    - wait_for: { port: ‸abc }\n`),
    message: 'wait_for: port: expected a number, got the string "abc"',
  },
  {
    name: "parameter choice",
    playbook: tasks(`    - wait_for: { port: 1, state: ‸up }\n`),
    message: /wait_for: state: expected one of "started"/,
  },
  {
    name: "keyword of the wrong type",
    playbook: tasks(`    - debug: {}\n      retries: ‸many\n`),
    message: 'retries: expected a number, got the string "many"',
  },
  {
    name: "bad serial",
    playbook: `- hosts: all\n  serial: ‸lots\n  tasks: []\n`,
    message: 'serial: expected a host count, a percentage like "30%"',
  },
  {
    name: "bad serial list",
    playbook: `- hosts: all\n  serial: ‸[1, -2]\n  tasks: []\n`,
    message: "serial: expected a host count",
  },
  {
    name: "bad max_fail_percentage",
    playbook: `- hosts: all\n  max_fail_percentage: ‸150\n  tasks: []\n`,
    message: "max_fail_percentage: expected a percentage between 0 and 100",
  },
  {
    name: "bad order",
    playbook: `- hosts: all\n  order: ‸random\n  tasks: []\n`,
    message: /order: expected one of "inventory"/,
  },
  {
    name: "bad pattern (subscript)",
    playbook: `- hosts: ‸"all[x]"\n  tasks: []\n`,
    message: 'hosts: invalid subscript "[x]"',
  },
  {
    name: "bad pattern (empty term)",
    playbook: `- hosts: ‸"all:&"\n  tasks: []\n`,
    message: 'hosts: "&" needs a group or host name',
  },
  {
    name: "bad pattern (regex)",
    playbook: `- hosts: ‸"~(a"\n  tasks: []\n`,
    message: "hosts: invalid regular expression",
  },
  {
    name: "undefined template variable",
    playbook: tasks(`    - debug:\n        msg: ‸"{{ nope }}"\n`),
    message: 'task "debug", field "debug.msg": undefined variable "nope"',
  },
  {
    name: "undefined name in a condition",
    playbook: tasks(`    - debug: {}\n      when: ‸eq inventory_hostnam "h1"\n`),
    message: 'undefined variable "inventory_hostnam" (did you mean "inventory_hostname"?)',
  },
  {
    name: "template syntax error",
    playbook: tasks(`    - debug:\n        msg: ‸"{{ a == }}"\n`),
    message: "debug.msg: invalid template: unexpected token: }}",
  },
  {
    name: "ambiguous template (Handlebars path or Jinja subtraction)",
    playbook: tasks(`    - debug:\n        msg: ‸"{{ a-b }}"\n`),
    message: 'debug.msg: "{{ a-b }}" is ambiguous',
  },
  {
    name: "template mixing Handlebars and Jinja",
    playbook: tasks(`    - debug: {}\n      when: ‸"{{ default x 1 }} {{ y | int }}"\n`),
    message: "when: mixes Handlebars ({{ default x 1 }}) and Jinja ({{ y | int }}) in one value",
  },
  {
    name: "Jinja syntax error in a bare condition",
    playbook: tasks(`    - debug: {}\n      when: ‸result.rc ==\n`),
    message: "when: invalid template: unexpected token",
  },
  {
    name: "unknown helper",
    playbook: tasks(`    - debug: {}\n      when: ‸eqq 1 1\n`),
    message: 'when: unknown helper "eqq" (did you mean "eq"?)',
  },
  {
    name: "condition of the wrong type",
    playbook: tasks(`    - debug: {}\n      when: ‸{ a: 1 }\n`),
    message: "when: expected a condition",
  },
  {
    name: "loop that is not a list",
    playbook: tasks(`    - debug: {}\n      loop: ‸5\n`),
    message: "loop: Invalid data passed to 'loop'",
  },
  {
    name: "register with a bad name",
    playbook: tasks(`    - debug: {}\n      register: ‸bad-name\n`),
    message: "register: expected a variable name",
  },
  {
    name: "rescue without block",
    playbook: tasks(`    - debug: {}\n      ‸rescue: []\n`),
    message: '"rescue" needs a "block"',
  },
  {
    name: "incompatible parameters",
    playbook: tasks(`    - debug: ‸{ msg: a, var: b }\n`),
    message: "debug: 'msg' and 'var' are incompatible options",
  },
  {
    name: "k=v arguments for a module without free form",
    playbook: tasks(`    - debug: ‸hello\n`),
    message: 'debug: expected key=value parameters, got "hello"',
  },
  {
    name: "ignore_errors not a boolean",
    playbook: tasks(`    - debug: {}\n      ignore_errors: ‸maybe\n`),
    message: "ignore_errors: expected true or false",
  },
  {
    name: "a task that is not a mapping",
    playbook: tasks(`    - ‸just words\n`),
    message: "expected a task (a mapping)",
  },
  {
    name: "vars_files that do not exist",
    playbook: `- hosts: all\n  vars_files: [‸missing.yml]\n  tasks: []\n`,
    message: "vars_files: cannot read missing.yml: no such file",
    code: ExitCode.error,
  },
  {
    name: "pause that would prompt",
    playbook: tasks(`    - pause: ‸{}\n`),
    message: "pause: pause needs seconds or minutes",
  },
];

/** Strip the ‸ marker and return the text and its 1-based line:col. */
function locate(text: string): { text: string; line: number; col: number } {
  const at = text.indexOf("‸");
  if (at < 0) throw new Error("case without ‸");
  const before = text.slice(0, at).split("\n");
  return { text: text.replace("‸", ""), line: before.length, col: before.at(-1)!.length + 1 };
}

describe("malformed plays", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir();
    await writeFile(join(work.dir, "vars.yml"), "a: 1\n");
  });
  afterAll(() => work.cleanup());

  it("has at least 25 cases", () => expect(cases.length).toBeGreaterThanOrEqual(25));

  it.each(cases)("$name", async (c) => {
    const { text, line, col } = locate(c.playbook);
    const r = await play(work.dir, text, ["-i", "h1,h2,", ...(c.args ?? [])]);
    expect(r.code).toBe(c.code ?? ExitCode.badInput);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^rollcall: play\\.yml:${line}:${col}: `));
    if (typeof c.message === "string") expect(lines[0]).toContain(c.message);
    else expect(lines[0]).toMatch(c.message);
    expect(existsSync(join(work.dir, "ran.txt"))).toBe(false);
  });

  it("--syntax-check reports the same errors without an inventory", async () => {
    const { text } = locate(cases.find((c) => c.name === "unknown module")!.playbook);
    const r = await play(work.dir, text, ["--syntax-check"]);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/^rollcall: play\.yml:\d+:\d+: unknown task keyword or module "wait_fro"/);
  });

  it("argument errors have no position, and ansible-playbook's exit code", async () => {
    const ok = tasks("");
    for (const [code, args] of [
      [ExitCode.error, ["--limit", "nohost"]],
      [ExitCode.usage, ["--forks", "0"]],
      [ExitCode.error, ["-e", "@missing.yml"]],
      [ExitCode.badOption, ["-e", "novalue"]],
      [ExitCode.usage, ["--resume"]],
    ] as const) {
      const r = await play(work.dir, ok, ["-i", "h1,", ...args]);
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(existsSync(join(work.dir, "ran.txt"))).toBe(false);
  });
});
