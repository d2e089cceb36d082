// The real ansible-inventory reads our script inventory and sees exactly what rollcall prints.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.js";
import { runCli, runProgram } from "../helpers/cli.js";
import { hasProgram, listActiveInstances } from "../helpers/programs.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;

// Required in CI, optional on a laptop without ansible-core.
const run = hasProgram("ansible-inventory") || process.env.CI === "true";

describe.runIf(run)("ansible-inventory over inventories/demo", () => {
  let sim: Sim;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    const home = await mkdtemp(join(tmpdir(), "rollcall-ansible-"));
    env = {
      ...sim.env,
      HOME: home,
      XDG_CACHE_HOME: join(home, "cache"),
      ANSIBLE_LOCAL_TEMP: join(home, "tmp"),
      ANSIBLE_INVENTORY_UNPARSED_FAILED: "true",
      ANSIBLE_NOCOLOR: "1",
    };
  });
  afterAll(() => sim?.close());

  it("lists every ACTIVE instance under its group id and name, with the spotinst_ hostvars", async () => {
    const mine = await runCli(["inventory", "--list", "-c", "inventories/demo.yml"], env);
    expect(mine.stderr).toBe("");
    expect(mine.code).toBe(0);
    const ours = JSON.parse(mine.stdout);

    const theirs = await runProgram("ansible-inventory", ["-i", "inventories/demo", "--list"], env);
    expect(theirs.code, theirs.stderr).toBe(0);
    const ansible = JSON.parse(theirs.stdout);

    const active = await listActiveInstances(sim.env);
    expect(active.length).toBeGreaterThanOrEqual(6);
    for (const ssi of active) {
      const vars = ansible._meta.hostvars[ssi.privateIp];
      expect(vars, `host ${ssi.privateIp}`).toMatchObject({
        spotinst_esg_id: ssi.groupId,
        spotinst_esg_name: ssi.groupName,
        spotinst_id: ssi.id,
        spotinst_privateIp: ssi.privateIp,
        spotinst_accountId: sim.env.SPOTINST_ACCOUNT_ID,
        ansible_host: ssi.privateIp,
      });
      expect(ansible[ssi.groupId].hosts).toContain(ssi.privateIp);
      expect(ansible[ssi.groupName].hosts).toContain(ssi.privateIp);
    }

    // Same hosts, same vars, same group membership as rollcall's own output.
    expect(ansible._meta.hostvars).toEqual(ours._meta.hostvars);
    for (const [group, entry] of Object.entries<{ hosts?: string[]; children?: string[] }>(ours)) {
      if (group === "_meta" || group === "all") continue;
      if (entry.hosts?.length) expect(ansible[group]?.hosts, group).toEqual(entry.hosts);
      if (entry.children?.length) expect(ansible[group]?.children, group).toEqual(entry.children);
    }
  });

  it("shows the ASG groups with their InService hosts next to the Spotinst groups", async () => {
    const theirs = await runProgram("ansible-inventory", ["-i", "inventories/demo", "--list"], env);
    expect(theirs.code, theirs.stderr).toBe(0);
    const ansible = JSON.parse(theirs.stdout);
    const world = sim.aws.world;
    const inServiceOf = (asg: { members: string[] }) =>
      asg.members.map((id) => world.instances.get(id)!).filter((i) => i.lifecycleState === "InService");
    const asgs = [...world.asgs.values()].filter((a) => inServiceOf(a).length > 0);
    expect(asgs.length).toBeGreaterThanOrEqual(2);
    expect(ansible.autoscaling_groups.children).toEqual(expect.arrayContaining(asgs.map((a) => a.name)));
    expect(ansible.elastigroups.children).toEqual(expect.arrayContaining(["kafka-prod", "zookeeper-prod"]));
    for (const asg of asgs) {
      const inService = inServiceOf(asg);
      expect(ansible[asg.name].hosts.sort()).toEqual(inService.map((i) => i.privateIp).sort());
      for (const i of inService) {
        expect(ansible._meta.hostvars[i.privateIp]).toMatchObject({
          asg_name: asg.name,
          asg_lifecycle_state: "InService",
          ec2_instance_id: i.id,
          ansible_host: i.privateIp,
        });
      }
    }
  });

  it("--graph shows the groups and their hosts", async () => {
    const graph = await runProgram("ansible-inventory", ["-i", "inventories/demo", "--graph"], env);
    expect(graph.code, graph.stderr).toBe(0);
    for (const ssi of await listActiveInstances(sim.env)) {
      expect(graph.stdout).toContain(`@${ssi.groupId}:`);
      expect(graph.stdout).toContain(`@${ssi.groupName}:`);
      expect(graph.stdout).toContain(`|--${ssi.privateIp}`);
    }
  });

  it("--host through the wrapper matches rollcall --host", async () => {
    const [first] = await listActiveInstances(sim.env);
    const viaAnsible = await runProgram(
      "ansible-inventory",
      ["-i", "inventories/demo", "--host", first!.privateIp],
      env,
    );
    const direct = await runCli(["--host", first!.privateIp], {
      ...env,
      ROLLCALL_CONFIG: "inventories/demo.yml",
    });
    expect(direct.stderr).toBe("");
    expect(JSON.parse(viaAnsible.stdout)).toEqual(JSON.parse(direct.stdout));
  });
});
