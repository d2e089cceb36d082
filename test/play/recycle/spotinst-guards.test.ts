// spotinst_stateful's guards: the group precheck, the lease rule (refuse while another action is
// under way in the group; two runs at once → one goes on), consecutive checks against a flapping
// replacement. Real HTTP to the fake Spotinst API, real sockets for the probes.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createSpotinstApi } from "../../../src/cloud/spotinst/api.js";
import { createConflictWatch } from "../../../src/play/recycle/spotinst-lease.js";
import { type RecycleHooks, recycleStatefulInstance } from "../../../src/play/recycle/spotinst-recycle.js";
import { ACCOUNT, apiActions, GROUP, type RecycleRig, SSIS, startRig, TOKEN } from "./support.js";

const play = (extra = "") => `- name: Recycle
  hosts: kafka-prod
  serial: 1
  order: oldest_first
  max_fail_percentage: 0
  tasks:
    - name: recycle
      spotinst_stateful:
        state: recycled
        wait_timeout: 10
        poll_interval: 0.02
${extra}      register: recycled
    - name: port
      wait_for: { host: "{{ recycled.stateful.privateIp }}", port: 9092, timeout: 5 }
`;

describe("spotinst_stateful guards", () => {
  let rig: RecycleRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function runPlaybook(text: string) {
    const file = join(rig!.dir, "play.yml");
    await writeFile(file, text);
    return rig!.play([], undefined, file);
  }

  it("precheck: a member whose port is closed → refused before any action (0 mutating calls)", async () => {
    rig = await startRig();
    await rig.sim.shared.listeners.close(SSIS[2]!);
    const r = await runPlaybook(play("        precheck: { ports: [9092], timeout: 0.5 }\n"));
    expect(r.code).toBe(2);
    const ip = rig.sim.world.findSsi(SSIS[2]!)!.privateIp;
    expect(r.out).toContain(
      `precheck: group Spotinst group ${GROUP} is not healthy, refusing to take ${SSIS[0]} out (${SSIS[2]} (${ip}): port 9092 closed); nothing was changed`,
    );
    expect(rig.sim.shared.mutatingCalls.spotinst).toBe(0);
  });

  it("another action under way in the group (not this run's) refuses at once, naming it", async () => {
    rig = await startRig({ fleet: slowRecycleFleet() });
    rig.sim.world.recycleOutOfBand(SSIS[2]!);
    await sleep(20);
    const t0 = Date.now();
    const r = await runPlaybook(play());
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      new RegExp(
        `the group is being changed outside this run \\(${SSIS[2]} RECYCLING, not in this run's journal`,
      ),
    );
    expect(rig.sim.shared.mutatingCalls.spotinst).toBe(0);
  });

  it("a replacement that flaps is not healthy until N consecutive passes", async () => {
    rig = await startRig();
    const sim = rig.sim;
    // Flap the first recycled instance's port three times, 80 ms up / 80 ms down, once it opens.
    let flaps = 0;
    const watcher = setInterval(() => {
      const ssi = sim.world.findSsi(SSIS[0]!)!;
      const opened = sim.shared.timeline.some(
        (e) =>
          e.type === "listen-open" &&
          e.subject === SSIS[0] &&
          e.detail.ip === ssi.privateIp &&
          e.at > started,
      );
      if (!opened || flaps > 0) return;
      flaps = 1;
      const cycle = async (n: number) => {
        await sleep(80);
        await sim.shared.listeners.close(SSIS[0]!);
        await sleep(80);
        await sim.shared.listeners.open(SSIS[0]!, ssi.privateIp!, [{ port: 9092 }]);
        if (n > 1) await cycle(n - 1);
        else flaps = 2;
      };
      void cycle(3);
    }, 2);
    const started = sim.shared.clock.now();
    const r = await runPlaybook(
      play(
        "        precheck: { ports: [9092], timeout: 0.2 }\n        healthy_checks: 3\n        check_interval: 0.05\n",
      ),
    );
    clearInterval(watcher);
    expect(r.code, r.out).toBe(0);
    // The second recycle started only after the flapping was over.
    const second = apiActions(sim.shared.timeline).find((a) => a.subject === SSIS[1])!;
    const lastOpen = sim.shared.timeline
      .filter((e) => e.type === "listen-open" && e.subject === SSIS[0])
      .map((e) => e.at)
      .at(-1)!;
    expect(flaps).toBe(2);
    expect(second.at).toBeGreaterThan(lastOpen);
  });

  it("two runs recycling at once see each other: both finish what they issued, only one goes on", async () => {
    rig = await startRig({ fleet: slowRecycleFleet() });
    const mk = () =>
      createSpotinstApi({ baseUrl: rig!.sim.spotinstUrl, credentials: { token: TOKEN, accountId: ACCOUNT } });
    // Run A recycles SSIS[0], run B SSIS[1], in the same instant; each knows only its own action.
    const attempt = async (ssiId: string) => {
      const watch = createConflictWatch(ssiId, (id) => id === ssiId);
      const hooks: RecycleHooks = {
        signal: new AbortController().signal,
        sleep: (ms, signal) => sleep(ms, undefined, { signal }),
        now: Date.now,
        beforeIssue: async () => {},
        progress: () => {},
        isOurs: (id) => id === ssiId,
        observe: (all) => watch.observe(all),
      };
      const base = {
        groupId: GROUP,
        ssiId,
        requireGroupActive: true,
        waitTimeoutMs: 10_000,
        pollIntervalMs: 10,
      };
      const r = await recycleStatefulInstance(mk(), { ...base, pausedGraceMs: 5_000, check: false }, hooks);
      return { r, verdict: watch.verdict() };
    };
    const [a, b] = await Promise.all([attempt(SSIS[0]!), attempt(SSIS[1]!)]);
    // Either both issued (then both saw the other and the lower id goes on), or the later one was
    // refused before issuing. Never both going on.
    const goesOn = [a, b].filter((x) => x.r.ok && x.verdict === undefined);
    expect(goesOn).toHaveLength(1);
    expect(goesOn[0]).toBe(a);
    const actions = apiActions(rig.sim.shared.timeline).map((x) => x.subject);
    expect(new Set(actions).size).toBe(actions.length); // nothing recycled twice
  });
});

/** Recycles slow enough (at ×1000) for a second run to catch one under way. */
function slowRecycleFleet() {
  return {
    timings: { accept: 2, recycle: { stop: 400, start: 400 }, boot: 5 },
    accounts: [
      {
        id: ACCOUNT,
        token: TOKEN,
        groups: [
          {
            id: GROUP,
            name: "kafka-prod",
            ports: [{ port: 9092 }],
            instances: SSIS.map((id) => ({ id })),
          },
        ],
      },
    ],
  };
}
