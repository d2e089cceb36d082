// Host patterns fail closed: a pattern that does not parse is a bad-input error (exit 4), never a
// wider match. Every case runs as `--limit` and as a play's `hosts:` through the CLI's entry point
// (in-process, to keep 80 runs fast; the headline cases also run through the built CLI below), and
// each row records what Ansible itself selects for the same pattern, checked against the real
// ansible-core when it is installed. "wider" in a comment = Ansible selects hosts the pattern
// plainly did not mean, which is the failure this table exists for.
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/context.js";
import { runCli as runCliInProcess } from "../../src/cli/main.js";
import { ExitCode } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";
import { hasProgram } from "../helpers/programs.js";

const KAFKA = ["kafka-1", "kafka-2", "kafka-3"];
const ALL = [...KAFKA, "zk-1", "zk-2", "web-1"];

const config = `sources:
  - type: static
    hosts:
${ALL.map((h) => `      ${h}: {}`).join("\n")}
    groups:
      kafka_prod: [${KAFKA.join(", ")}]
      zk: [zk-1, zk-2]
cache: { enabled: false }
`;

interface Case {
  pattern: string;
  error: RegExp;
  /** What ansible-core 2.14 selects for the same pattern: host names, or "error". */
  ansible: string[] | "error";
}

const cases: Case[] = [
  // The two from the issue: both widened to every host of a group, or of the inventory.
  { pattern: "kafka_prod[0", error: /unclosed "\[" in host pattern "kafka_prod\[0"/, ansible: KAFKA }, // wider
  { pattern: "~[", error: /unclosed "\["/, ansible: ALL }, // wider
  { pattern: "~", error: /empty regular expression .* would match every host/, ansible: ALL }, // wider
  { pattern: "~(", error: /invalid regular expression in host pattern term "~\("/, ansible: "error" },
  { pattern: "~*", error: /invalid regular expression/, ansible: "error" },
  { pattern: "~a)|(.*", error: /invalid regular expression/, ansible: "error" },
  { pattern: "~(?P<x>kafka)", error: /invalid regular expression/, ansible: KAFKA },
  { pattern: "~[a-", error: /unclosed "\["/, ansible: ALL }, // wider
  { pattern: "*[", error: /unclosed "\["/, ansible: ALL }, // wider
  { pattern: "kafka_prod]", error: /unmatched "\]"/, ansible: KAFKA }, // wider
  { pattern: "kafka_prod[0]]", error: /unmatched "\]"/, ansible: ["kafka-1"] },
  { pattern: "kafka_prod[[0]]", error: /unmatched "\]"/, ansible: [] },
  { pattern: "kafka_prod[x]", error: /invalid subscript "\[x\]"/, ansible: [] },
  { pattern: "kafka_prod[]", error: /invalid subscript "\[\]"/, ansible: [] },
  { pattern: "kafka_prod[:]", error: /empty subscript range/, ansible: [] },
  { pattern: "kafka_prod[1:2:3]", error: /invalid subscript "\[1:2:3\]"/, ansible: [] },
  { pattern: "kafka_prod[3:1]", error: /subscript "\[3:1\]" ends before it starts/, ansible: [] },
  { pattern: "kafka_prod[-1:-3]", error: /ends before it starts/, ansible: [] },
  { pattern: "kafka_prod[99999999999999999999]", error: /subscript .* is too large/, ansible: "error" },
  { pattern: "[0]", error: /needs a group or host name before it/, ansible: [] },
  { pattern: "kafka_prod:[1]", error: /needs a group or host name before it/, ansible: KAFKA },
  { pattern: "kafka prod", error: /space inside a term of host pattern "kafka prod"/, ansible: [] },
  { pattern: "kafka_prod zk", error: /space inside a term/, ansible: [...KAFKA, "zk-1", "zk-2"] },
  { pattern: "kafka_prod::zk", error: /empty term in host pattern/, ansible: [...KAFKA, "zk-1", "zk-2"] },
  { pattern: ":kafka_prod", error: /empty term/, ansible: KAFKA },
  { pattern: "kafka_prod:", error: /empty term/, ansible: KAFKA },
  { pattern: "kafka_prod,,zk", error: /empty term/, ansible: [...KAFKA, "zk-1", "zk-2"] },
  { pattern: ",kafka_prod", error: /empty term/, ansible: KAFKA },
  { pattern: "!", error: /"!" needs a group or host name after "!"/, ansible: "error" },
  { pattern: "&", error: /needs a group or host name after "&"/, ansible: "error" },
  { pattern: "kafka_prod:!", error: /needs a group or host name after "!"/, ansible: "error" },
  { pattern: "kafka_prod:&", error: /needs a group or host name after "&"/, ansible: "error" },
  { pattern: "!!zk", error: /two operators in host pattern term "!!zk"/, ansible: ALL }, // wider
  { pattern: "&!zk", error: /two operators/, ansible: [] },
  { pattern: "kafka_prod:zk,web-1", error: /mixes "," and ":"/, ansible: ["web-1"] },
  { pattern: "kafka_prod\x1b[0m", error: /control character "\\u001b"/, ansible: [] },
  { pattern: "   ", error: /empty host pattern|expected a host pattern/, ansible: ALL }, // wider
];

/** What Ansible selects for each pattern: one python process over the same inventory. */
function ansibleSelections(dir: string, patterns: string[]): ({ hosts: string[] } | { error: string })[] {
  const python = readShebang("ansible-playbook");
  const script = `
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
from ansible.utils.display import Display
Display().verbosity = 0
req = json.load(sys.stdin)
inv = InventoryManager(loader=DataLoader(), sources=[req["inventory"]])
out = []
for p in req["patterns"]:
    try:
        inv.clear_pattern_cache()
        out.append({"hosts": [h.name for h in inv.get_hosts(p)]})
    except Exception as e:
        out.append({"error": str(e).split("\\n")[0]})
json.dump(out, sys.stdout)
`;
  const inventory = join(dir, "ansible-hosts.yml");
  const res = spawnSync(python, ["-c", script], {
    input: JSON.stringify({ inventory, patterns }),
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, "tmp"), ANSIBLE_NOCOLOR: "1" },
  });
  if (res.status !== 0) throw new Error(`ansible pattern probe failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

function readShebang(program: string): string {
  const path = spawnSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).stdout.trim();
  const first = spawnSync("head", ["-1", path], { encoding: "utf8" }).stdout.trim();
  return first.replace(/^#!\s*/, "").split(/\s+/)[0] ?? "python3";
}

async function inProcess(args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    env: { HOME: cwd, XDG_STATE_HOME: join(cwd, "state"), XDG_CACHE_HOME: join(cwd, "cache") },
    cwd,
    homeDir: cwd,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdoutIsTTY: false,
    exitCode: 0,
  };
  const code = await runCliInProcess(args, ctx);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-patterns-"));
  await writeFile(join(dir, "inv.yml"), config);
  await writeFile(join(dir, "all.yml"), "- hosts: all\n  tasks:\n    - debug: { msg: hi }\n");
  await writeFile(
    join(dir, "ansible-hosts.yml"),
    `all:\n  children:\n    kafka_prod:\n      hosts: {${KAFKA.join(": {}, ")}: {}}\n    zk:\n      hosts: {zk-1: {}, zk-2: {}}\n  hosts:\n    web-1: {}\n`,
  );
});

describe("malformed host patterns", () => {
  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("--limit $pattern is a bad-input error", async ({ pattern, error }) => {
    const r = await inProcess(["play", "all.yml", "-i", "inv.yml", "--limit", pattern, "--list-hosts"], dir);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^rollcall: --limit: .*${error.source}`));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it.each(cases)("hosts: $pattern is a bad-input error at its position", async ({ pattern, error }) => {
    const file = join(dir, "pattern.yml");
    await writeFile(file, `- hosts: ${JSON.stringify(pattern)}\n  tasks:\n    - debug: { msg: hi }\n`);
    const r = await inProcess(["play", "pattern.yml", "-i", "inv.yml", "--list-hosts"], dir);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^rollcall: pattern\\.yml:1:10: hosts: .*${error.source}`));
  });

  it.runIf(hasProgram("ansible-playbook") || process.env.CI === "true")(
    "records what ansible-core selects for each (it widens where marked)",
    () => {
      const theirs = ansibleSelections(
        dir,
        cases.map((c) => c.pattern),
      );
      const got = theirs.map((t) => ("error" in t ? "error" : t.hosts.sort()));
      expect(got).toEqual(cases.map((c) => (c.ansible === "error" ? "error" : [...c.ansible].sort())));
    },
  );

  it("still runs valid patterns, and a term that matches nothing stays a warning", async () => {
    const valid: [string, string[]][] = [
      ["kafka_prod[0]", ["kafka-1"]],
      ["kafka_prod[-1]", ["kafka-3"]],
      ["kafka_prod[0:1]", ["kafka-1", "kafka-2"]],
      ["kafka_prod[1:]", ["kafka-2", "kafka-3"]],
      ["kafka_prod[0-1]", ["kafka-1", "kafka-2"]],
      ["~kafka-[12]", ["kafka-1", "kafka-2"]],
      ["kafka_prod:!kafka-2", ["kafka-1", "kafka-3"]],
      ["kafka_prod : zk", [...KAFKA, "zk-1", "zk-2"]],
      ["kafka_prod, zk-1", [...KAFKA, "zk-1"]],
      ["zk,", ["zk-1", "zk-2"]],
      ["kafka_prod:&~.*-[13]", ["kafka-1", "kafka-3"]],
    ];
    for (const [pattern, hosts] of valid) {
      const r = await inProcess(
        ["play", "all.yml", "-i", "inv.yml", "--limit", pattern, "--list-hosts"],
        dir,
      );
      expect(r.code, `${pattern}: ${r.stderr}`).toBe(0);
      expect(
        r.stdout.match(/^ {6}\S+$/gm)?.map((l) => l.trim()),
        pattern,
      ).toEqual(hosts);
    }
    const r = await inProcess(["play", "all.yml", "-i", "inv.yml", "--limit", "zk:kafak"], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Could not match supplied host pattern, ignoring: kafak");
  });
});

describe("through the built CLI", () => {
  it.each([
    ["--limit", "kafka_prod[0", 'unclosed "["'],
    ["--limit", "~[", 'unclosed "["'],
    ["hosts:", "kafka_prod[0", 'unclosed "["'],
    ["hosts:", "!!zk", "two operators"],
  ])("%s %s fails closed with exit 4", async (where, pattern, message) => {
    const file = where === "hosts:" ? "cli-pattern.yml" : "all.yml";
    if (where === "hosts:") {
      await writeFile(join(dir, file), `- hosts: ${JSON.stringify(pattern)}\n  tasks:\n    - debug: {}\n`);
    }
    const extra = where === "--limit" ? ["--limit", pattern] : [];
    const r = await runCli(["play", file, "-i", "inv.yml", ...extra, "--list-hosts"], { HOME: dir }, dir);
    expect(r.code, r.stderr).toBe(ExitCode.badInput);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });
});
