// playbooks/recycle-esg.yml against the in-process simulator: real HTTP to the fake Spotinst API,
// real TCP/HTTP to the instances' listeners. What happened is read from the simulator's timeline.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  apiActions,
  FAST,
  outIntervals,
  overlaps,
  type RecycleRig,
  SSIS,
  startRig,
  TOKEN,
  waitUntil,
} from "./support.js";

describe("recycle-esg.yml against the simulator", () => {
  let rig: RecycleRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("recycles a 3-instance group serially: each once, port up on the new address before the next", async () => {
    rig = await startRig();
    const before = new Map(SSIS.map((id) => [id, { ...rig!.sim.world.findSsi(id)! }]));
    const r = await rig.play([...FAST, "-e", "recycle_health_check=true", "-e", "recycle_health_delay=0.02"]);
    expect(r.code, r.out).toBe(0);
    const { timeline } = rig.sim.shared;
    const actions = apiActions(timeline);
    expect(actions.map((a) => a.subject).sort()).toEqual([...SSIS].sort());
    expect(actions.every((a) => a.detail.action === "recycle")).toBe(true);
    // oldest_first: the fleet's first instance is the oldest.
    expect(actions.map((a) => a.subject)).toEqual(SSIS);
    const out = outIntervals(timeline);
    expect(out).toHaveLength(3);
    expect(overlaps(out)).toBe(false);
    for (const [i, iv] of out.entries()) {
      const ssi = rig.sim.world.findSsi(iv.ssi)!;
      expect(ssi.state).toBe("ACTIVE");
      expect(ssi.instanceId).not.toBe(before.get(iv.ssi)!.instanceId);
      // The port listened on the *new* address before the next recycle was even asked for.
      expect(iv.ip).toBe(ssi.privateIp);
      if (i + 1 < actions.length) expect(iv.to).toBeLessThanOrEqual(actions[i + 1]!.at);
      // Hosts keep their inventory name (the old address); the wait went to the new one.
      expect(r.out).toContain(`ok: [${before.get(iv.ssi)!.privateIp}] => (item=9092)`);
    }
    expect(r.out.match(/changed=1 /g)).toHaveLength(3);
    expect(r.out).toContain("[WARNING]: group sig-7e570001 persists its root volume");
    expect(rig.sim.shared.mutatingCalls.spotinst).toBe(3);
  });

  it("stops at a recycle that ends in ERROR: no other instance touched, exit 2", async () => {
    rig = await startRig();
    rig.sim.world.setOutcome(SSIS[0]!, { recycleOutcome: "error" });
    const r = await rig.play(FAST);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`recycle of ${SSIS[0]} ended in ERROR`);
    expect(r.out).toContain("NO MORE HOSTS LEFT");
    expect(apiActions(rig.sim.shared.timeline).map((a) => a.subject)).toEqual([SSIS[0]]);
    expect(rig.sim.shared.mutatingCalls.spotinst).toBe(1);
    for (const id of SSIS.slice(1)) expect(rig.sim.world.findSsi(id)!.state).toBe("ACTIVE");
  });

  it("stops when the replacement never opens its port (wait_for fails)", async () => {
    rig = await startRig();
    rig.sim.world.setOutcome(SSIS[0]!, { neverHealthy: true });
    const r = await rig.play([...FAST, "-e", "recycle_port_timeout=0.5"]);
    expect(r.code).toBe(2);
    const fresh = rig.sim.world.findSsi(SSIS[0]!)!;
    expect(r.out).toContain(`Timeout when waiting for ${fresh.privateIp}:9092`);
    expect(rig.sim.shared.mutatingCalls.spotinst).toBe(1);
  });

  it("completes through a 429 storm while polling", async () => {
    rig = await startRig();
    const { sim } = rig;
    // From the first recycle on: the polls, not the inventory load, hit the storm.
    const storm = waitUntil(() => (sim.shared.mutatingCalls.spotinst ?? 0) > 0).then(() =>
      sim.shared.faults.inject("throttle", 14, "statefulInstance"),
    );
    const r = await rig.play(FAST);
    await storm;
    expect(r.code, r.out).toBe(0);
    expect(rig.sim.spotinstStats.faults.throttle).toBeGreaterThanOrEqual(14);
    expect(apiActions(rig.sim.shared.timeline).map((a) => a.subject)).toEqual(SSIS);
  });

  it("--check calls no mutating API and says what would be recycled", async () => {
    rig = await startRig();
    const r = await rig.play([...FAST, "--check", "-v"]);
    expect(r.code, r.out).toBe(0);
    expect(rig.sim.shared.mutatingCalls.spotinst).toBe(0);
    for (const id of SSIS)
      expect(r.out).toContain(`would recycle ${id} (${rig.sim.world.findSsi(id)!.instanceId})`);
    expect(r.out).toContain("DRY RUN");
  });

  it("never shows or stores the token: api_token as a parameter, -vvv, --json", async () => {
    rig = await startRig({ configToken: true });
    // Only the parameter can authenticate the module: the environment has no token.
    delete rig.env.SPOTINST_API_TOKEN;
    const pb = join(rig.dir, "recycle-token.yml");
    await writeFile(
      pb,
      `- hosts: kafka-prod
  serial: 1
  tasks:
    - spotinst_aws_stateful:
        api_token: "{{ spot_token }}"
        esg_id: "{{ spotinst_esg_id }}"
        stateful_instance_id: "{{ spotinst_id }}"
        poll_interval: 0.02
      register: recycled
    - debug: { var: recycled }
`,
    );
    const vvv = await rig.play(["-e", `spot_token=${TOKEN}`, "-vvv", "--limit", "all[0]"], undefined, pb);
    expect(vvv.code, vvv.out).toBe(0);
    expect(vvv.out).toContain('"changed": true');
    const json = await rig.play(["-e", `spot_token=${TOKEN}`, "--json", "--limit", "all[0]"], undefined, pb);
    expect(json.code).toBe(0);
    // A failing call too: an unknown group makes the API answer with an error envelope.
    const bad = await rig.play(
      ["-e", `spot_token=${TOKEN}`, "-e", "spotinst_esg_id=sig-00000000", "-vvv"],
      undefined,
      pb,
    );
    expect(bad.code).toBe(2);
    for (const text of [vvv.out, json.out, bad.out, await rig.stateFiles()])
      expect(text).not.toContain(TOKEN);
    expect(await rig.stateFiles()).toContain('"t":"issued"');
  });
});
