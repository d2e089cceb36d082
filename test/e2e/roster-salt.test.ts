// Salt reads rollcall two ways: the native flat roster (`rollcall roster`) and Salt's `ansible`
// roster over `ansible-inventory --list`. Both must give the same minions at the same addresses.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SALT_FLAT_ROSTER_KEYS } from "../../src/inventory/builders/salt-roster.js";
import { startSimulator } from "../../src/sim/index.js";
import { runCli, runProgram } from "../helpers/cli.js";
import { hasProgram } from "../helpers/programs.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;
type AnsibleList = Record<string, { hosts?: string[]; children?: string[] }> & {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
};

/** salt/utils/ansible.py + salt/roster/ansible.py: walk `all`, map only the ansible_ssh_* names. */
function applySaltAnsibleRoster(inv: AnsibleList): Record<string, Record<string, unknown>> {
  const CONVERSION: Record<string, string> = {
    ansible_ssh_host: "host",
    ansible_ssh_port: "port",
    ansible_ssh_user: "user",
    ansible_ssh_pass: "passwd",
    ansible_sudo_pass: "sudo",
    ansible_ssh_private_key_file: "priv",
  };
  const hosts = new Set<string>();
  const walk = (group: string) => {
    for (const h of inv[group]?.hosts ?? []) hosts.add(h);
    for (const c of inv[group]?.children ?? []) walk(c);
  };
  walk("all");
  const out: Record<string, Record<string, unknown>> = {};
  for (const h of hosts) {
    const entry: Record<string, unknown> = { host: h };
    for (const [k, v] of Object.entries(inv._meta.hostvars[h] ?? {}))
      if (CONVERSION[k]) entry[CONVERSION[k]] = v;
    out[h] = entry;
  }
  return out;
}

const run = hasProgram("ansible-inventory") || process.env.CI === "true";

describe.runIf(run)("Salt rosters", () => {
  let sim: Sim;
  let env: Record<string, string>;
  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    const home = await mkdtemp(join(tmpdir(), "rollcall-salt-"));
    env = {
      ...sim.env,
      HOME: home,
      XDG_CACHE_HOME: join(home, "cache"),
      ANSIBLE_LOCAL_TEMP: join(home, "tmp"),
    };
  });
  afterAll(() => sim?.close());

  it("rollcall roster and Salt's ansible roster agree on minions and addresses", async () => {
    const roster = await runCli(["roster", "-c", "inventories/demo.yml"], env);
    expect(roster.stderr).toBe("");
    expect(roster.code).toBe(0);
    const flat = parse(roster.stdout) as Record<string, Record<string, unknown>>;
    for (const entry of Object.values(flat)) {
      for (const key of Object.keys(entry)) expect(SALT_FLAT_ROSTER_KEYS).toContain(key);
    }

    const ansible = await runProgram("ansible-inventory", ["-i", "inventories/demo", "--list"], env);
    expect(ansible.code, ansible.stderr).toBe(0);
    const viaAnsible = applySaltAnsibleRoster(JSON.parse(ansible.stdout));

    expect(Object.keys(viaAnsible).sort()).toEqual(Object.keys(flat).sort());
    expect(Object.keys(flat).length).toBeGreaterThanOrEqual(12);
    for (const [minion, entry] of Object.entries(flat)) expect(viaAnsible[minion]!.host).toBe(entry.host);
  });
});
