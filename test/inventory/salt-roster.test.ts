// The Salt-SSH flat roster: a pure builder over the inventory, and the `rollcall roster` command.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import yargs from "yargs";
import type { CliContext } from "../../src/cli/context.js";
import { rosterCommand } from "../../src/cli/roster.js";
import { RollcallError } from "../../src/errors.js";
import { buildInventory } from "../../src/inventory/build.js";
import {
  buildSaltRoster,
  type RosterConfig,
  rosterConfigSchema,
  SALT_FLAT_ROSTER_KEYS,
} from "../../src/inventory/builders/salt-roster.js";
import type { Inventory, InventoryNote } from "../../src/inventory/model.js";
import { awsSource, awsSourceSchema } from "../../src/inventory/sources/aws.js";
import { defaultAwsFleet } from "../../src/sim/aws/index.js";
import { startTestAwsSim, type TestAwsSim } from "../sim/aws/helpers.js";

const flatKeys = new Set<string>(SALT_FLAT_ROSTER_KEYS);
const config = (over: Record<string, unknown> = {}): RosterConfig => rosterConfigSchema.parse(over);

function inventoryOf(
  hosts: Record<string, Record<string, unknown>>,
  groups: Record<string, string[]> = {},
): Inventory {
  const out: Inventory = { hosts, groups: {} };
  out.groups.all = { name: "all", hosts: [], children: [...Object.keys(groups), "ungrouped"], vars: {} };
  for (const [name, members] of Object.entries(groups))
    out.groups[name] = { name, hosts: members, children: [], vars: {} };
  out.groups.ungrouped = { name: "ungrouped", hosts: [], children: [], vars: {} };
  return out;
}

describe("buildSaltRoster", () => {
  const inv = inventoryOf(
    {
      "127.1.0.1": {
        ansible_host: "127.1.0.1",
        ansible_port: 2222,
        ansible_user: "ubuntu",
        asg_name: "kafka",
        ec2_instance_id: "i-01",
        secret_stuff: "x",
      },
      "127.1.0.2": {
        ansible_host: "127.1.0.2",
        ansible_ssh_user: "legacy",
        ansible_become: "yes",
        asg_name: "kafka",
        ec2_instance_id: "i-02",
      },
      "static-box": {},
    },
    { kafka: ["127.1.0.1", "127.1.0.2"], other: ["static-box"] },
  );

  it("names minions by inventory host and maps Ansible connection vars to flat roster keys only", () => {
    const roster = buildSaltRoster(inv, config());
    expect(roster).toEqual({
      "127.1.0.1": { host: "127.1.0.1", port: 2222, user: "ubuntu" },
      "127.1.0.2": { host: "127.1.0.2", user: "legacy", sudo: true },
      "static-box": { host: "static-box" },
    });
  });

  it("takes the ASG idiom as minion id, defaults for missing keys, fields that always win, group selection", () => {
    const roster = buildSaltRoster(
      inv,
      config({
        minion_id: "{{ asg_name }}-{{ ec2_instance_id }}",
        groups: "kafka",
        defaults: { user: "ec2-user", priv: "~/.ssh/fleet", timeout: "30", sudo: false },
        fields: {
          minion_opts: { grains: { asg: "{{ asg_name }}", instance: "{{ ec2_instance_id }}" } },
          ssh_options: ["StrictHostKeyChecking=no"],
        },
      }),
    );
    expect(roster).toEqual({
      "kafka-i-01": {
        host: "127.1.0.1",
        port: 2222,
        user: "ubuntu",
        priv: "~/.ssh/fleet",
        timeout: 30,
        sudo: false,
        minion_opts: { grains: { asg: "kafka", instance: "i-01" } },
        ssh_options: ["StrictHostKeyChecking=no"],
      },
      "kafka-i-02": {
        host: "127.1.0.2",
        user: "legacy",
        sudo: true,
        priv: "~/.ssh/fleet",
        timeout: 30,
        minion_opts: { grains: { asg: "kafka", instance: "i-02" } },
        ssh_options: ["StrictHostKeyChecking=no"],
      },
    });
  });

  it("refuses to merge two hosts into one minion, and names the host on a template error", () => {
    expect(() => buildSaltRoster(inv, config({ minion_id: "{{ asg_name }}", groups: ["kafka"] }))).toThrow(
      /hosts 127\.1\.0\.1 and 127\.1\.0\.2 both render the minion id "kafka"/,
    );
    expect(() => buildSaltRoster(inv, config({ minion_id: "{{ asg_name }}-{{ ec2_instance_id }}" }))).toThrow(
      /^roster\.minion_id: host static-box: undefined variable "asg_name"$/,
    );
    expect(() => buildSaltRoster(inv, config({ fields: { port: "ssh" } }))).toThrow(
      /^roster: host 127\.1\.0\.1: port: /,
    );
    expect(() => buildSaltRoster(inv, config({ groups: "nope" }))).toThrow(/no group named "nope"/);
    expect(() => rosterConfigSchema.parse({ fields: { hostname: "x" } })).toThrow();
  });
});

describe("roster from ASG hosts", () => {
  let sim: TestAwsSim;
  beforeAll(async () => {
    sim = await startTestAwsSim(defaultAwsFleet);
  });
  afterAll(() => sim.stop());

  it("builds one entry per ASG instance with only flat roster keys, as parseable YAML", async () => {
    const source = awsSourceSchema.parse({ type: "aws", regions: ["us-east-1", "eu-west-1"] });
    const notes: InventoryNote[] = [];
    const ctx = { env: sim.sourceEnv, homeDir: "/nonexistent", note: (n: InventoryNote) => notes.push(n) };
    const records = awsSource.toHosts(await awsSource.fetch(source, ctx), source, ctx);
    const { inventory } = buildInventory(records, {
      hostnames: ["private-ip"],
      sanitizeGroupNames: false,
      parentGroups: true,
      keyedGroups: [],
    });
    const roster = buildSaltRoster(
      inventory,
      config({ minion_id: "{{ asg_name }}-{{ ec2_instance_id }}", defaults: { user: "ec2-user" } }),
    );
    const { stringify } = await import("yaml");
    const parsed = parse(stringify(roster)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(parsed)).toHaveLength(8);
    for (const [id, entry] of Object.entries(parsed)) {
      expect(id).toMatch(/^(kafka-asg-prod|zookeeper-asg-prod|ci-runners)-i-[0-9a-f]+$/);
      for (const key of Object.keys(entry)) expect(flatKeys.has(key), key).toBe(true);
      expect(entry.host).toMatch(/^127\./);
      expect(entry.user).toBe("ec2-user");
    }
  });
});

describe("rollcall roster", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rollcall-roster-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function runRoster(configText: string, args: string[] = []) {
    const file = join(dir, `inv-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, configText);
    let stdout = "";
    let stderr = "";
    const ctx: CliContext = {
      env: { HOME: dir, XDG_CACHE_HOME: join(dir, "cache") },
      cwd: dir,
      homeDir: dir,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      stdoutIsTTY: false,
      exitCode: 0,
    };
    let error: unknown;
    try {
      await yargs(["roster", "-c", file, ...args])
        .command(rosterCommand(ctx))
        .strict()
        .exitProcess(false)
        .fail((msg, err) => {
          throw err ?? new Error(msg);
        })
        .parseAsync();
    } catch (err) {
      error = err;
    }
    return { stdout, stderr, error };
  }

  const staticConfig = `sources:
  - type: static
    hosts:
      127.3.0.1: { ansible_user: admin, role: db }
      127.3.0.2: { ansible_port: 2200 }
cache: { enabled: false }
roster:
  minion_id: "db-{{ inventory_hostname }}"
  defaults: { priv: /etc/salt/pki/master/ssh/salt-ssh.rsa, sudo: true, minion_opts: { log_level: info } }
`;

  it("prints YAML whose entries carry only Salt flat-roster keys", async () => {
    const { stdout, stderr, error } = await runRoster(staticConfig);
    expect(error).toBeUndefined();
    expect(stderr).toBe("");
    const roster = parse(stdout) as Record<string, Record<string, unknown>>;
    expect(roster).toEqual({
      "db-127.3.0.1": {
        host: "127.3.0.1",
        user: "admin",
        priv: "/etc/salt/pki/master/ssh/salt-ssh.rsa",
        sudo: true,
        minion_opts: { log_level: "info" },
      },
      "db-127.3.0.2": {
        host: "127.3.0.2",
        port: 2200,
        priv: "/etc/salt/pki/master/ssh/salt-ssh.rsa",
        sudo: true,
        minion_opts: { log_level: "info" },
      },
    });
    for (const entry of Object.values(roster))
      for (const k of Object.keys(entry)) expect(flatKeys.has(k)).toBe(true);
  });

  it("prints JSON with --format json", async () => {
    const { stdout } = await runRoster(staticConfig, ["--format", "json"]);
    expect(Object.keys(JSON.parse(stdout))).toEqual(["db-127.3.0.1", "db-127.3.0.2"]);
  });

  it("points at the roster: line of a bad option", async () => {
    const { error } = await runRoster(`${staticConfig}  minion_idd: x\n`);
    expect(error).toBeInstanceOf(RollcallError);
    expect((error as RollcallError).exitCode).toBe(4);
    expect((error as Error).message).toMatch(
      /:10:3: unknown option "minion_idd" \(did you mean "minion_id"\?\)$/,
    );
  });
});
