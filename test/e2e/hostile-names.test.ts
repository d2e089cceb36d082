// A fleet named by an attacker (or by an unlucky colleague): group, ASG and tag names and values
// that are templates, reserved inventory keys, JavaScript's own property names, newlines, 10 kB
// and shell metacharacters. It must drive `--list` (valid for the real ansible-inventory, every
// host and var present), `--host` for every host, and `roster`, with no crash and no secret in any
// output or file. NAMES below is the table of what rollcall does with each name.
import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { CliContext } from "../../src/cli/context.js";
import { runCli as runCliInProcess } from "../../src/cli/main.js";
import { parseFleet, startSimulator } from "../../src/sim/index.js";
import { type CliRun, runCli, runProgram } from "../helpers/cli.js";
import { hasProgram } from "../helpers/programs.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const SPOTINST_TOKEN = "hostile-spotinst-token-7f3e9b21c4";
const LONG = `long-${"x".repeat(10 * 1024)}`;
const TEMPLATE_ENV = "{{ env 'SPOTINST_API_TOKEN' }}";
const TEMPLATE_EACH = "{{#each this}}{{@key}}={{this}};{{/each}}";
const JINJA = "{{ lookup('env', 'AWS_SECRET_ACCESS_KEY') }}{% for x in range(9) %}{{ x }}{% endfor %}";
const SHELL = "$(touch /tmp/rollcall-pwned); `id`; rm -rf / | cat && echo ' \" >x";
const NEWLINE = "kafka\nprod";

/**
 * Every hostile name and what rollcall does with it. Each name is a Spotinst group's name, an
 * ASG's name and that ASG's instance's Name tag (which the config uses as host name).
 * `group` = the inventory group for it; `host` = the ASG host's name, where "<id>" is the
 * instance id: a host named like a group gets its id appended, because Ansible would otherwise
 * set that host's vars on the whole group (so every host here gets it: its ASG is a group too).
 */
const NAMES: { name: string; label: string; group: string; host: string }[] = [
  // Reserved: renamed with "_" (more when taken: "all_" below is a real name).
  { name: "_meta", label: "_meta", group: "_meta_", host: "_meta__<id>" },
  { name: "all", label: "all", group: "all__", host: "all___<id>" },
  { name: "ungrouped", label: "ungrouped", group: "ungrouped_", host: "ungrouped__<id>" },
  { name: "all_", label: "all_ (taken, so `all` moves on)", group: "all_", host: "all__<id>" },
  // JavaScript's own names: plain keys everywhere.
  { name: "__proto__", label: "__proto__", group: "__proto__", host: "__proto___<id>" },
  { name: "constructor", label: "constructor", group: "constructor", host: "constructor_<id>" },
  { name: "toString", label: "toString", group: "toString", host: "toString_<id>" },
  // Templates: data, kept verbatim, never rendered.
  { name: TEMPLATE_ENV, label: "{{ env … }}", group: TEMPLATE_ENV, host: `${TEMPLATE_ENV}_<id>` },
  { name: TEMPLATE_EACH, label: "{{#each}}", group: TEMPLATE_EACH, host: `${TEMPLATE_EACH}_<id>` },
  { name: JINJA, label: "Jinja lookup/for", group: JINJA, host: `${JINJA}_<id>` },
  // Shell metacharacters, a newline, 10 kB: kept verbatim (JSON escapes what needs escaping).
  { name: SHELL, label: "shell metacharacters", group: SHELL, host: `${SHELL}_<id>` },
  { name: NEWLINE, label: "newline", group: NEWLINE, host: `${NEWLINE}_<id>` },
  { name: LONG, label: "10 kB", group: LONG, host: `${LONG}_<id>` },
];

/** Hostile tags on every group and ASG: keys and values. */
const TAGS = {
  Role: "all",
  Env: TEMPLATE_ENV,
  "{{ tag_key }}": JINJA,
  "k\nl": SHELL,
};

function fleetYaml(): string {
  // JSON.parse, not a literal: a literal `{ __proto__: … }` sets the prototype, not a key.
  const tags = JSON.parse(JSON.stringify({ ...TAGS, x: "" }).replace('"x":""', '"__proto__":"proto-tag"'));
  const spotinstGroups = NAMES.map((n) => ({ name: n.name, count: 1, tags, ports: [] }));
  const fleet = {
    accounts: [{ id: "act-h0571e00", token: SPOTINST_TOKEN, groups: spotinstGroups }],
    aws: {
      regions: ["us-east-1"],
      launch_templates: [{ name: "lt", region: "us-east-1", versions: [{ image_id: "ami-0a1b2c3d4e5f6" }] }],
      asgs: NAMES.map((n) => ({
        name: n.name,
        region: "us-east-1",
        launch_template: { name: "lt" },
        min: 1,
        max: 1,
        desired: 1,
        boot_sec: 0,
        tags: { ...tags, Name: n.name },
      })),
    },
  };
  return stringify(fleet, { lineWidth: 0 });
}

const config = `sources:
  - type: spotinst
    name: esg
  - type: aws
    name: asg
    regions: [us-east-1]
# AWS hosts are named by their Name tag, Spotinst ones by their private IP.
hostnames: ["tag:Name", "private-ip", "instance-id"]
keyed_groups:
  - key: tags.Role
  - key: tags.Env
    prefix: env
cache: { ttl: 600 }
`;

let sim: Sim;
let home: string;
let env: Record<string, string>;
let secrets: string[];
const runs: CliRun[] = [];

async function cli(args: string[]): Promise<CliRun> {
  const r = await runCli(args, env, home);
  runs.push(r);
  return r;
}

/** The CLI's entry point in-process (for the one-call-per-host sweep), same env as `cli`. */
async function cliInProcess(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    env: { ...env },
    cwd: home,
    homeDir: home,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdoutIsTTY: false,
    exitCode: 0,
  };
  const started = performance.now();
  const code = await runCliInProcess(args, ctx);
  const r = { code, stdout: out.join(""), stderr: err.join(""), ms: performance.now() - started };
  runs.push(r);
  return r;
}

beforeAll(async () => {
  const parsed = parseFleet(fleetYaml(), "hostile.yml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  sim = await startSimulator({ fleet: parsed.value, timeScale: 1000 });
  home = await mkdtemp(join(tmpdir(), "rollcall-hostile-"));
  await chmod(home, 0o700);
  await writeFile(join(home, "inv.yml"), config);
  // What `ansible-inventory -i` runs: the bin with the config in the environment.
  const script = join(home, "inventory.sh");
  await writeFile(
    script,
    `#!/bin/sh\nexec node ${JSON.stringify(join(process.cwd(), "dist/cli/main.js"))} "$@"\n`,
  );
  await chmod(script, 0o755);
  env = {
    ...sim.env,
    HOME: home,
    ROLLCALL_CONFIG: join(home, "inv.yml"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_STATE_HOME: join(home, "state"),
    ANSIBLE_LOCAL_TEMP: join(home, "ansible-tmp"),
    ANSIBLE_INVENTORY_UNPARSED_FAILED: "true",
    ANSIBLE_NOCOLOR: "1",
  };
  secrets = [SPOTINST_TOKEN, sim.env.AWS_SECRET_ACCESS_KEY!];
});

afterAll(() => sim?.close());

type AnsibleList = Record<string, { hosts?: string[]; children?: string[] }> & {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
};

/** JSON.parse keeps "__proto__" as an own key; Object.keys/hasOwn then see it. */
const own = (o: object, k: string) => Object.hasOwn(o, k);
/** An own property's value: never Object.prototype's `__proto__` or `hasOwnProperty`. */
// biome-ignore lint/suspicious/noExplicitAny: test data of any shape
const at = (o: object, k: string): any => Object.getOwnPropertyDescriptor(o, k)?.value;

describe("a hostile fleet", () => {
  let list: AnsibleList;

  it("--list keeps every host and var, renames the reserved names and keeps the rest as data", async () => {
    const r = await cli(["inventory", "--list", "-v"]);
    expect(r.code, r.stderr).toBe(0);
    list = JSON.parse(r.stdout);
    // One host per Spotinst group, one per ASG.
    const hostvars = list._meta.hostvars;
    expect(Object.keys(hostvars)).toHaveLength(NAMES.length * 2);
    for (const n of NAMES) {
      // One group for the Spotinst group and the ASG of that name: its two hosts (and for "all",
      // every host: the keyed group of the Role tag, "all" on every group, is renamed the same).
      expect(own(list, n.group), `group for ${n.label}`).toBe(true);
      const members = list[n.group]!.hosts!;
      expect(members, n.label).toHaveLength(n.name === "all" ? NAMES.length * 2 : 2);
      const esgHosts = members.filter((h) => hostvars[h]!.spotinst_esg_name === n.name);
      expect(esgHosts, n.label).toEqual([expect.stringMatching(/^127\.\d+\.\d+\.\d+$/)]);
      // The ASG's host, named by its Name tag (then moved off the group's name).
      const [asgHost] = members.filter((h) => hostvars[h]!.asg_name === n.name);
      const id = hostvars[asgHost!]!.ec2_instance_id as string;
      expect(asgHost, n.label).toBe(n.host.replace("<id>", id));
      expect((hostvars[asgHost!]!.ec2_tags as Record<string, string>).Name).toBe(n.name);
      expect(at(hostvars[asgHost!]!.ec2_tags as object, "__proto__")).toBe("proto-tag");
      expect(own(hostvars[asgHost!]!.ec2_tags as object, "__proto__")).toBe(true);
    }
    // The reserved keys are the inventory's own again.
    expect(Object.keys(list._meta)).toEqual(["hostvars"]);
    expect(list.all!.hosts).toBeUndefined();
    expect(list.all!.children).toEqual(expect.arrayContaining(["ungrouped", "elastigroups"]));
    expect(r.stderr).toMatch(
      /group name "all" \(source (esg|asg)\) is reserved in Ansible inventories; renamed to "all__"/,
    );
    expect(r.stderr).toMatch(
      /host name "_meta" \(i-[0-9a-f]+, source asg\) is reserved in Ansible inventories; renamed to "_meta_"/,
    );
    expect(r.stderr).toMatch(
      /host name "constructor" \(i-[0-9a-f]+, source asg\) is also a group name, which Ansible would merge; renamed to "constructor_i-[0-9a-f]+"/,
    );
    // The keyed group from the Role tag ("all") is the renamed "all" too: every host is in it.
    const withRole = list.all__!.hosts!;
    expect(withRole).toHaveLength(NAMES.length * 2);
  });

  it.runIf(hasProgram("ansible-inventory") || process.env.CI === "true")(
    "is a valid inventory for the real ansible-inventory, with every host and var",
    async () => {
      const r = await runProgram(
        "ansible-inventory",
        ["-i", join(home, "inventory.sh"), "--list"],
        env,
        home,
      );
      runs.push(r);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/recursive|Failed to parse|Unable to parse/);
      const theirs = JSON.parse(r.stdout) as AnsibleList;
      // ansible-inventory leaves out hosts without vars; every host here has some.
      expect(Object.keys(theirs._meta.hostvars).sort()).toEqual(Object.keys(list._meta.hostvars).sort());
      for (const [host, vars] of Object.entries(list._meta.hostvars))
        expect(theirs._meta.hostvars[host], host.slice(0, 40)).toEqual(vars);
      for (const n of NAMES) {
        expect(theirs[n.group]?.hosts ?? theirs[n.group]?.children, n.label).toBeDefined();
      }
    },
  );

  it("--host answers for every host (in-process sweep) and for the JavaScript names (built CLI)", async () => {
    for (const host of Object.keys(list._meta.hostvars)) {
      const r = await cliInProcess(["--host", host]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), host.slice(0, 40)).toEqual(list._meta.hostvars[host]);
    }
    for (const [host, want] of [
      ["constructor", {}],
      ["__proto__", {}],
      ["hasOwnProperty", {}],
      ["valueOf", {}],
    ] as const) {
      const r = await cli(["--host", host]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), host).toEqual(want);
    }
  });

  // The roster renders its minion_id template over these names: they stay data (item 1).
  it("roster lists every host as a minion", async () => {
    const r = await cli(["roster", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const roster = JSON.parse(r.stdout) as Record<string, { host: string }>;
    expect(Object.keys(roster).sort()).toEqual(Object.keys(list._meta.hostvars).sort());
    const yaml = await cli(["roster"]);
    expect(yaml.code, yaml.stderr).toBe(0);
  });

  it("static hosts and groups from the config follow the same rules", async () => {
    await writeFile(
      join(home, "static.yml"),
      `sources:
  - type: static
    hosts:
      "_meta": { from_static: 1 }
      "all": { from_static: 2 }
      "__proto__": { from_static: 3, "__proto__": "a var named __proto__" }
      "constructor": { from_static: 4 }
      "toString": {}
    groups:
      "ungrouped": ["_meta", "all"]
      "hasOwnProperty": ["constructor", "__proto__"]
`,
    );
    const r = await cli(["inventory", "--list", "-c", join(home, "static.yml"), "-v"]);
    expect(r.code, r.stderr).toBe(0);
    const inv = JSON.parse(r.stdout) as AnsibleList;
    const hv = inv._meta.hostvars;
    expect(hv._meta_).toEqual({ from_static: 1 });
    expect(hv.all_).toEqual({ from_static: 2 });
    expect(JSON.stringify(at(hv, "__proto__"))).toBe('{"__proto__":"a var named __proto__","from_static":3}');
    expect(hv.constructor).toEqual({ from_static: 4 });
    expect(own(hv, "toString")).toBe(true);
    expect(inv.ungrouped_!.hosts).toEqual(["_meta_", "all_"]);
    expect(at(inv, "hasOwnProperty").hosts).toEqual(["__proto__", "constructor"]);
    expect(inv.ungrouped!.hosts).toEqual(["toString"]);
    expect(r.stderr).toContain(
      'host name "all" (all, source static) is reserved in Ansible inventories; renamed to "all_"',
    );
    expect(r.stderr).toContain(
      'group name "ungrouped" (source static) is reserved in Ansible inventories; renamed to "ungrouped_"',
    );
    for (const h of ["_meta_", "all_", "__proto__", "constructor", "toString"]) {
      const one = await cliInProcess(["inventory", "--host", h, "-c", join(home, "static.yml")]);
      expect(JSON.parse(one.stdout), h).toEqual(hv[h]);
    }
    // The roster keys minions by these names: "__proto__" is a minion like any other.
    const roster = await cli(["roster", "-c", join(home, "static.yml"), "--format", "json"]);
    expect(roster.code, roster.stderr).toBe(0);
    expect(Object.keys(JSON.parse(roster.stdout)).sort()).toEqual(Object.keys(hv).sort());
    const yaml = await cli(["roster", "-c", join(home, "static.yml")]);
    expect(yaml.stdout).toContain("__proto__:\n  host: __proto__\n");
  });

  it("plays target them by pattern like any other name", async () => {
    const plays = ["__proto__", "constructor", "toString", "_meta_", "all_", "all"]
      .map((h) => `- hosts: ${JSON.stringify(h)}\n  tasks:\n    - debug: { msg: hi }\n`)
      .join("");
    await writeFile(join(home, "patterns.yml"), plays);
    const r = await cli(["play", "patterns.yml", "-i", join(home, "inv.yml"), "--list-hosts"]);
    expect(r.code, r.stderr).toBe(0);
    const counts = [...r.stdout.matchAll(/hosts \((\d+)\):/g)].map((m) => Number(m[1]));
    // Each group holds its Spotinst host and its ASG host; "all" is every host.
    expect(counts).toEqual([2, 2, 2, 2, 2, NAMES.length * 2]);
    const limited = await cli([
      "play",
      "patterns.yml",
      "-i",
      join(home, "inv.yml"),
      "--limit",
      "__proto__",
      "--list-hosts",
    ]);
    expect(limited.code, limited.stderr).toBe(0);
    expect([...limited.stdout.matchAll(/hosts \((\d+)\):/g)].map((m) => Number(m[1]))).toEqual([
      2, 0, 0, 0, 0, 2,
    ]);
  });

  it("a play over hosts named __proto__, constructor and toString recaps every one", async () => {
    await writeFile(join(home, "js-names.yml"), "- hosts: all\n  tasks:\n    - debug: { msg: hi }\n");
    const r = await cli(["play", "js-names.yml", "-i", "__proto__,constructor,toString,", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const end = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((e) => e.type === "playbook_end");
    expect(Object.keys(end.stats)).toEqual(["__proto__", "constructor", "toString"]);
    for (const h of Object.keys(end.stats)) expect(at(end.stats, h).ok, h).toBe(1);
  });

  // Data is never rendered again (issue 12, item 1, the template engine's rule).
  it("a play that prints every hostvar shows the names as data", async () => {
    await writeFile(
      join(home, "hostvars.yml"),
      [
        "- hosts: all",
        "  tasks:",
        "    - debug:",
        "        var: hostvars[inventory_hostname]",
        "    - debug:",
        '        msg: "{{ inventory_hostname }}"',
        "",
      ].join("\n"),
    );
    const r = await cli(["play", "hostvars.yml", "-i", join(home, "inv.yml")]);
    expect(r.code, r.stderr.slice(0, 500)).toBe(0);
    expect(r.stdout).toContain(JSON.stringify(TEMPLATE_ENV).slice(1, -1));
    expect(r.stdout).toMatch(/ok=2 /);
  });

  it("never shows a secret: not in any output, not in any file written", async () => {
    for (const r of runs) {
      for (const s of secrets) {
        expect(r.stdout.includes(s) || r.stderr.includes(s)).toBe(false);
      }
    }
    for (const file of await filesUnder(home)) {
      const text = await readFile(file, "utf8");
      for (const s of secrets) expect(text.includes(s), file).toBe(false);
    }
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const st = await stat(path);
    if (st.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}
