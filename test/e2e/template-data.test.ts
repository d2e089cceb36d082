// Data is data (docs/templates.md): names and tags from the cloud and hostvars from an inventory
// are printed as they are, never rendered as templates, through the built CLI against the
// simulator. Before the fix, a group named `{{ env 'SPOTINST_API_TOKEN' }}` printed the token,
// a tag `v{{ x }}` broke the roster and a self-referencing name ran out of memory.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { fleetSchema } from "../../src/sim/fleet.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

const TOKEN = "tok-SECRET-4242-template-injection";
const HB_NAME = "{{ env 'SPOTINST_API_TOKEN' }}";
const JINJA_NAME = "{{ lookup('env', 'SPOTINST_API_TOKEN') }}";
const SELF_NAME = "{{ spotinst_esg_name }}".repeat(8);
const BLOCK_NAME = "{{#each (range 0 100000000)}}x{{/each}}";
const TAG = "v{{ x }}";
const STATIC_Y = "{{ y }}".repeat(8);

const FLEET = {
  timings: { accept: 0, boot: 1 },
  accounts: [
    {
      id: "act-11111111",
      token: TOKEN,
      groups: [HB_NAME, JINJA_NAME, SELF_NAME, BLOCK_NAME].map((name) => ({
        name,
        stateful: false,
        count: 1,
      })),
    },
  ],
  aws: {
    launch_templates: [
      { name: "lt", region: "us-east-1", versions: [{ image_id: "ami-0a1b2c3d4e5f60001" }] },
    ],
    asgs: [
      {
        name: "tagged-asg",
        region: "us-east-1",
        launch_template: { name: "lt" },
        desired: 1,
        boot_sec: 0,
        tags: { Role: TAG, Name: HB_NAME },
      },
    ],
  },
};

const CONFIG = {
  sources: [
    { type: "spotinst", name: "spot" },
    { type: "aws", name: "asgs", regions: ["us-east-1"] },
    { type: "static", name: "static", hosts: { s1: { y: STATIC_Y } }, groups: { statics: ["s1"] } },
  ],
  cache: { enabled: false },
  roster: {
    fields: {
      minion_opts: {
        grains: {
          group: "{{ default spotinst_esg_name 'asg' }}",
          role: "{{ ec2_tags.Role | default('none') }}",
          y: "{{ default y 'none' }}",
        },
      },
    },
  },
};

const PLAYBOOK = `
- hosts: elastigroups
  connection: local
  gather_facts: false
  tasks:
    - name: handlebars message
      debug: { msg: "group is {{ spotinst_esg_name }}" }
    - name: jinja message
      debug: { msg: "group is {{ spotinst_esg_name | string }}" }
    - name: the variable
      debug: { var: spotinst_esg_name }
- hosts: autoscaling_groups
  connection: local
  gather_facts: false
  tasks:
    - debug: { msg: "role {{ ec2_tags.Role }} name {{ ec2_tags.Name }}" }
- hosts: statics
  connection: local
  gather_facts: false
  tasks:
    - debug: { msg: "y is {{ y }}" }
`;

describe("values from the cloud and inventories are data, never templates", () => {
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    sim = await startSimulator({ fleet: fleetSchema.parse(FLEET), timeScale: 1000 });
    dir = await mkdtemp(join(tmpdir(), "rollcall-data-"));
    await writeFile(join(dir, "config.yml"), stringify(CONFIG));
    await writeFile(join(dir, "play.yml"), PLAYBOOK);
    env = {
      ...sim.env,
      HOME: dir,
      XDG_CACHE_HOME: join(dir, "cache"),
      XDG_STATE_HOME: join(dir, "state"),
      // Old builds ran out of memory here: fail in seconds rather than after 4 GB.
      NODE_OPTIONS: "--max-old-space-size=384",
    };
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The token must appear nowhere: not in output, not in any file rollcall wrote. */
  async function expectNoToken(...texts: string[]) {
    for (const t of texts) expect(t).not.toContain(TOKEN);
    const walk = async (d: string): Promise<string[]> => {
      const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
      const nested = await Promise.all(
        entries.map((e) => (e.isDirectory() ? walk(join(d, e.name)) : Promise.resolve([join(d, e.name)]))),
      );
      return nested.flat();
    };
    for (const file of await walk(dir)) expect(await readFile(file, "utf8")).not.toContain(TOKEN);
  }

  it("plays print cloud names and inventory vars as they are", async () => {
    const r = await runCli(["play", "play.yml", "-i", "config.yml", "--json"], env, dir);
    await expectNoToken(r.stdout, r.stderr);
    expect(r.stderr).not.toMatch(/heap|out of memory/i);
    const results = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "task_result");
    const msgs = results.map((e) => e.result.msg ?? e.result.spotinst_esg_name);
    for (const name of [HB_NAME, JINJA_NAME, SELF_NAME, BLOCK_NAME]) {
      expect(msgs.filter((m: string) => m === `group is ${name}`)).toHaveLength(2);
      expect(msgs).toContain(name);
    }
    expect(msgs).toContain(`role ${TAG} name ${HB_NAME}`);
    expect(msgs).toContain(`y is ${STATIC_Y}`);
    expect(results.every((e) => e.status === "ok")).toBe(true);
    expect(r.code).toBe(0);
  });

  it("the roster carries the same names as data, and the tag does not break it", async () => {
    const r = await runCli(["roster", "-c", "config.yml"], env, dir);
    await expectNoToken(r.stdout, r.stderr);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const text of [HB_NAME, JINJA_NAME, SELF_NAME, TAG, STATIC_Y]) expect(r.stdout).toContain(text);
  });

  it("the inventory lists them unchanged", async () => {
    const r = await runCli(["inventory", "--list", "-c", "config.yml"], env, dir);
    await expectNoToken(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    const names = Object.values(JSON.parse(r.stdout)._meta.hostvars).map(
      (v) => (v as Record<string, unknown>).spotinst_esg_name,
    );
    expect(names).toEqual(expect.arrayContaining([HB_NAME, JINJA_NAME, SELF_NAME, BLOCK_NAME]));
  });

  it("templates the author wrote run within a budget: one host fails with a clear message", async () => {
    const fanout = Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [`a${i + 1}`, `{{ a${i} }}`.repeat(8)]),
    );
    const vars = { y: "{{ y }}", a0: "x".repeat(100), ...fanout };
    const pb = [
      {
        hosts: "statics",
        connection: "local",
        gather_facts: false,
        vars,
        tasks: [
          { name: "self", debug: { msg: "{{ y }}" }, ignore_errors: true },
          { name: "fanout", debug: { msg: "{{ a9 }}" }, ignore_errors: true },
          { name: "fanout jinja", debug: { msg: "{{ a9 | length }}" }, ignore_errors: true },
          { name: "big range", debug: { msg: "{{ range(0, 10 ** 12) | length }}" } },
        ],
      },
    ];
    await writeFile(join(dir, "budget.yml"), stringify(pb));
    const r = await runCli(["play", "budget.yml", "-i", "config.yml", "--json"], env, dir);
    expect(r.stderr).not.toMatch(/heap|out of memory|internal error/i);
    const results = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "task_result");
    const msg = (name: string) => results.find((e) => e.task.name === name)?.result.msg as string;
    expect(msg("self")).toMatch(/template nesting deeper than 20 levels while expanding "y"/);
    expect(msg("fanout")).toMatch(/template output exceeds 16 MiB/);
    expect(msg("fanout jinja")).toMatch(/template output exceeds 16 MiB/);
    expect(msg("big range")).toMatch(/would build a value of 1000000000000 elements/);
    expect(results.map((e) => e.status)).toEqual(["failed", "failed", "failed", "failed"]);
    expect(r.code).toBe(2);
  });
});
