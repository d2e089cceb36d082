// One table of templates, rendered through the three places that use templates — a play's task
// parameters, the inventory's `compose:` and the Salt roster's fields — which must all agree,
// because they all go through src/template/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSaltRoster, rosterConfigSchema } from "../../src/inventory/builders/salt-roster.js";
import { createComposer, createKeyEvaluator } from "../../src/inventory/compose.js";
import type { Inventory } from "../../src/inventory/model.js";
import { play, tempDir } from "../play/support.js";

/** The host every row is rendered for (its vars are inventory data). */
const HOST = "k1";
const VARS = {
  port: 9092,
  name: "kafka",
  brokers: ["b1", "b2"],
  obj: { a: 1 },
  ratio: 2.5,
  empty: "",
  // Data that looks like a template: printed as it is, never rendered.
  evil: "{{ env 'ROLLCALL_SECRET' }}",
  evil_jinja: "{{ lookup('env', 'ROLLCALL_SECRET') }}",
};
const ENV = { ROLLCALL_T: "from-env", ROLLCALL_SECRET: "s3cret" };

const TABLE: [template: string, expected: unknown][] = [
  ["literal text", "literal text"],
  ["{{ port }}", 9092],
  ["port={{ port }}", "port=9092"],
  ["{{ name }}:{{ port }}", "kafka:9092"],
  ["{{ default missing 'x' }}", "x"],
  ["{{ default port 1 }}", 9092],
  ["{{ upper name }}", "KAFKA"],
  ["{{ eq port 9092 }}", true],
  ["{{ add port 1 }}", 9093],
  ["{{ join brokers ',' }}", "b1,b2"],
  ["{{ env 'ROLLCALL_T' }}", "from-env"],
  ["{{ brokers }}", ["b1", "b2"]],
  ["{{ obj }}", { a: 1 }],
  ["x {{ obj }}", 'x {"a":1}'],
  ["{{ ratio }}", 2.5],
  ["{{ name | upper }}", "KAFKA"],
  ["{{ port + 1 }}", "9093"],
  ["{{ port == 9092 }}", true],
  ["{{ missing | default('x') }}", "x"],
  ["{{ empty | default('e', true) }}", "e"],
  ["{{ brokers | join('-') }}", "b1-b2"],
  ["{{ brokers | length }}", "2"],
  ["{{ brokers | map('upper') | list }}", ["B1", "B2"]],
  ["{{ obj | to_json }}", '{"a": 1}'],
  ["{{ 'v' ~ port }}", "v9092"],
  ["{{ name if port > 1 else 'small' }}", "kafka"],
  ["{{ lookup('env', 'ROLLCALL_T') }}", "from-env"],
  ["{% if port > 9000 %}high{% else %}low{% endif %}", "high"],
  ["{% for b in brokers %}{{ b }};{% endfor %}", "b1;b2;"],
  ["{{ evil }}", VARS.evil],
  ["{{ evil_jinja }}", VARS.evil_jinja],
  ["got {{ evil }}", `got ${VARS.evil}`],
  ["got {{ evil_jinja | upper }}", `got ${VARS.evil_jinja.toUpperCase()}`],
];

const inventory = (): Inventory => ({
  hosts: { [HOST]: { ...VARS } },
  groups: {
    all: { name: "all", hosts: [], children: ["kafka", "ungrouped"], vars: {} },
    kafka: { name: "kafka", hosts: [HOST], children: [], vars: {} },
    ungrouped: { name: "ungrouped", hosts: [], children: [], vars: {} },
  },
});

describe("one template table through plays, compose and the roster", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work.cleanup());

  it("the play path (task parameters)", async () => {
    const tasks = TABLE.map(
      ([t], i) => `    - name: row ${i}\n      debug:\n        msg: ${JSON.stringify(t)}\n`,
    );
    const pb = `- hosts: all\n  connection: local\n  gather_facts: false\n  tasks:\n${tasks.join("")}`;
    const inv = inventory();
    const r = await play(work.dir, pb, ["-i", "inv.yml", "--json"], { loadInventory: async () => inv }, ENV);
    const got = r.events.flatMap((e) => (e.type === "task_result" ? [e.result.msg] : []));
    expect(got).toEqual(TABLE.map(([, expected]) => expected));
    expect(r.stdout).not.toContain("s3cret");
  });

  it("the compose path (inventory compose:)", async () => {
    const spec = Object.fromEntries(TABLE.map(([t], i) => [`row${i}`, t]));
    const compose = await createComposer(spec, "config.yml", ENV);
    const out = compose!({ ...VARS });
    expect(TABLE.map((_, i) => out[`row${i}`])).toEqual(TABLE.map(([, expected]) => expected));
  });

  it("the roster path (roster fields)", () => {
    const fields = Object.fromEntries(TABLE.map(([t], i) => [`row${i}`, t]));
    const config = rosterConfigSchema.parse({ fields: { minion_opts: fields } });
    const roster = buildSaltRoster(inventory(), config, { env: ENV });
    const opts = roster[HOST]!.minion_opts as Record<string, unknown>;
    expect(TABLE.map((_, i) => opts[`row${i}`])).toEqual(TABLE.map(([, expected]) => expected));
  });

  it("keyed group keys may be expressions; a key that fails for a host gives no group", async () => {
    const evaluate = await createKeyEvaluator(
      ["obj['a']", "name | upper", "missing.x", "tags.Role", "name"],
      "c.yml",
    );
    expect(evaluate!("obj['a']", VARS)).toBe("1");
    expect(evaluate!("name | upper", VARS)).toBe("KAFKA");
    expect(evaluate!("missing.x", VARS)).toBeUndefined();
  });
});
