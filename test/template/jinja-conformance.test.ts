// Expression conformance: every row of jinja-table.ts is evaluated by rollcall (the play's
// variable scope and the template engine a task uses) and by the real ansible-playbook (ONE
// generated playbook, one run, JSON callback), comparing the value, its JSON type and its
// Python type (`type_debug`). Requires ansible-playbook when CI=true; skips with a note otherwise.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Inventory } from "../../src/inventory/model.js";
import { viewOf } from "../../src/play/hosts/inventory.js";
import { VarStore } from "../../src/play/run/vars.js";
import {
  evaluateCondition,
  renderString,
  renderValue,
  type TemplateScope,
} from "../../src/template/engine.js";
import { runProgram } from "../helpers/cli.js";
import { hasProgram } from "../helpers/programs.js";
import { ENV, FILES, ROWS, type Row, VARS } from "./jinja-table.js";

/** A stdout callback that prints every task result as one JSON object (ansible-core has none). */
const CALLBACK = `
import json
from ansible.plugins.callback import CallbackBase

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "rollcall_json"

    def __init__(self):
        super().__init__()
        self.results = {}

    def _keep(self, result, **extra):
        r = dict(result._result)
        r.update(extra)
        self.results[result._task.get_name()] = r

    def v2_runner_on_ok(self, result, **kwargs):
        self._keep(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._keep(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._keep(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        self._display.display(json.dumps(self.results, default=repr))
`;

/** What one row gave: a value (with its Python type for expressions), or an error. */
type Outcome = { error: true } | { error: false; value: unknown; type?: string };

const HOST = "localhost";
const PY_TYPES: Record<string, string> = {
  AnsibleUnicode: "str",
  AnsibleUnsafeText: "str",
  NativeJinjaText: "str",
  NativeJinjaUnsafeText: "str",
  AnsibleSequence: "list",
  generator: "list",
  AnsibleMapping: "dict",
  HostVarsVars: "dict",
};

function task(row: Row, i: number): Record<string, unknown> {
  const name = `row ${i}`;
  if (row.e !== undefined)
    return { name, debug: { msg: [`{{ ${row.e} }}`, `{{ (${row.e}) | type_debug }}`] }, ignore_errors: true };
  if (row.t !== undefined) return { name, debug: { msg: row.t }, ignore_errors: true };
  return { name, debug: { msg: "true" }, when: row.c, ignore_errors: true };
}

function rollcall(row: Row, scope: TemplateScope): Outcome {
  try {
    if (row.e !== undefined) {
      const [value, type] = renderValue(
        [`{{ ${row.e} }}`, `{{ (${row.e}) | type_debug }}`],
        scope,
      ) as unknown[];
      return { error: false, value: JSON.parse(JSON.stringify(value ?? null)), type: String(type) };
    }
    if (row.t !== undefined)
      return { error: false, value: JSON.parse(JSON.stringify(renderString(row.t, scope))) };
    return { error: false, value: evaluateCondition(row.c!, scope) };
  } catch {
    return { error: true };
  }
}

function ansible(row: Row, result: Record<string, unknown> | undefined): Outcome {
  if (!result || result.failed) return { error: true };
  if (row.c !== undefined) return { error: false, value: result.skipped !== true };
  if (row.t !== undefined) return { error: false, value: result.msg };
  const [value, type] = result.msg as [unknown, string];
  return { error: false, value, type: PY_TYPES[type] ?? type };
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.error || b.error) return a.error === b.error;
  return JSON.stringify(a.value) === JSON.stringify(b.value) && a.type === b.type;
}

function rollcallScope(dir: string): TemplateScope {
  const inventory: Inventory = {
    hosts: { [HOST]: {} },
    groups: {
      all: { name: "all", hosts: [], children: ["ungrouped"], vars: {} },
      ungrouped: { name: "ungrouped", hosts: [HOST], children: [], vars: {} },
    },
  };
  const store = new VarStore(viewOf(inventory), { ...VARS }, ENV, { playbook_dir: dir });
  store.startPlay({ name: "conformance", vars: {}, hosts: [HOST], checkMode: false });
  store.startBatch([HOST]);
  return store.scopeFor(HOST);
}

const hasAnsible = hasProgram("ansible-playbook");
if (!hasAnsible && process.env.CI !== "true")
  console.log("jinja-conformance: ansible-playbook is not installed, skipping (required when CI=true)");

describe.runIf(hasAnsible || process.env.CI === "true")(
  "Jinja expressions: rollcall = ansible-playbook",
  () => {
    let dir: string;
    let results: (Record<string, unknown> | undefined)[] = [];
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "rollcall-jinja-"));
      for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
      await mkdir(join(dir, "callbacks"));
      await writeFile(join(dir, "callbacks", "rollcall_json.py"), CALLBACK);
      await writeFile(join(dir, "vars.json"), JSON.stringify(VARS));
      const play = [{ hosts: HOST, gather_facts: false, connection: "local", tasks: ROWS.map(task) }];
      await writeFile(join(dir, "play.yml"), stringify(play, { lineWidth: 0 }));
      const r = await runProgram(
        "ansible-playbook",
        ["-i", `${HOST},`, "-c", "local", "play.yml", "-e", "@vars.json"],
        {
          ...ENV,
          HOME: dir,
          ANSIBLE_STDOUT_CALLBACK: "rollcall_json",
          ANSIBLE_CALLBACK_PLUGINS: join(dir, "callbacks"),
          ANSIBLE_LOCAL_TEMP: join(dir, "tmp"),
          ANSIBLE_LOCALHOST_WARNING: "false",
          ANSIBLE_DEPRECATION_WARNINGS: "false",
          ANSIBLE_NOCOLOR: "1",
        },
        dir,
      );
      if (!r.stdout.includes("{"))
        throw new Error(`ansible-playbook gave no JSON (exit ${r.code}): ${r.stderr}`);
      const byName = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as Record<
        string,
        Record<string, unknown>
      >;
      results = ROWS.map((_, i) => byName[`row ${i}`]);
    }, 180_000);
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it(`agrees on all ${ROWS.length} rows except the documented differences`, () => {
      expect(ROWS.length).toBeGreaterThanOrEqual(150);
      const scope = rollcallScope(dir);
      const differ: string[] = [];
      const deliberate: string[] = [];
      ROWS.forEach((row, i) => {
        const mine = rollcall(row, scope);
        const theirs = ansible(row, results[i]);
        const text = row.e ?? row.t ?? `when: ${row.c}`;
        if (row.err) expect(theirs.error, `ansible should fail: ${text}`).toBe(true);
        if (sameOutcome(mine, theirs)) {
          if (row.differs) differ.push(`${text}: marked different but now agrees`);
          return;
        }
        const line = `${text}: rollcall ${JSON.stringify(mine)} ansible ${JSON.stringify(theirs)}`;
        if (row.differs) deliberate.push(`${line} (${row.differs})`);
        else differ.push(line);
      });
      console.log(
        `jinja-conformance: ${ROWS.length} rows, ${differ.length} differ, ${deliberate.length} deliberately different\n` +
          [...differ, ...deliberate.map((d) => `deliberate: ${d}`)].join("\n"),
      );
      expect(differ).toEqual([]);
    });
  },
);
