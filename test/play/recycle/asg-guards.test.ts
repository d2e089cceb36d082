// asg_recycle's guarantees beyond "one at a time": the group precheck, consecutive checks and
// bake time against a flapping replacement, surge at max size, suspended processes put back
// exactly, the whole-replacement deadline, and the scale-in protected / Standby policy. Real AWS
// SDK clients against the simulator, real sockets for the probes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsApi } from "../../../src/cloud/aws/api.js";
import { enterStandby } from "../../../src/sim/aws/index.js";
import type { Simulator } from "../../../src/sim/index.js";
import {
  count,
  createSimAwsApi,
  kafka,
  members,
  playbook,
  runPlay,
  startAsgSim,
  taskResults,
  terminated,
  withTempDir,
} from "./asg-support.js";

let sim: Simulator;
let api: AwsApi;
beforeEach(async () => {
  sim = await startAsgSim();
  api = await createSimAwsApi(sim);
});
afterEach(async () => {
  api.destroy();
  await sim.close();
});

/** What DescribeAutoScalingGroups says, as an operator would check it. */
async function described() {
  const [g] = await api.describeAutoScalingGroups({ names: ["kafka-asg-prod"] });
  return {
    suspended: [...(g!.suspendedProcesses ?? [])].sort(),
    max: g!.maxSize,
    desired: g!.desiredCapacity,
    rollcallTags: g!.tags.filter((t) => t.key.startsWith("rollcall:")).map((t) => t.key),
  };
}

const mutating = () => sim.shared.mutatingCalls.autoscaling ?? 0;

describe("precheck", () => {
  it("a member whose port is closed: the play refuses before touching anything", async () => {
    const asg = kafka(sim);
    const [oldest, , current] = members(sim, asg);
    await sim.shared.listeners.close(current!.id); // the up-to-date member's service is down
    const r = await withTempDir((dir) =>
      runPlay(dir, sim, playbook({ extra: "        precheck: { ports: [9092], timeout: 0.5 }\n" })),
    );
    expect(r.code).toBe(2);
    const [first, ...rest] = taskResults(r.events, "recycle");
    expect(first!.host).toBe(oldest!.ip);
    expect(first!.result.msg).toBe(
      `precheck: group ASG kafka-asg-prod is not healthy, refusing to take ${oldest!.id} out (${current!.id} (${current!.ip}): port 9092 closed); nothing was changed`,
    );
    expect(rest).toEqual([]);
    expect(mutating()).toBe(0);
    expect(sim.shared.mutatingCalls.ec2 ?? 0).toBe(0);
  });

  it("precheck: false lets the same play go on (the opt-out)", async () => {
    const asg = kafka(sim);
    const [, , current] = members(sim, asg);
    await sim.shared.listeners.close(current!.id);
    const pb = playbook({ extra: "        precheck: false\n" });
    const r = await withTempDir((dir) => runPlay(dir, sim, pb));
    expect(r.code, r.stdout).toBe(0);
    expect(count(sim, "TerminateInstanceInAutoScalingGroup")).toBe(2);
  });
});

describe("consecutive checks and bake", () => {
  const flapping = (checks: number, bake = 0) =>
    playbook({
      extra: `        precheck: { ports: [9092], timeout: 0.2 }\n        healthy_checks: ${checks}\n        check_interval: 0.05\n        bake: ${bake}\n`,
    });

  /** When the first replacement's ports opened for the last time, and when the old one went. */
  function firstReplacement(mark: number, oldId: string) {
    const tl = sim.shared.timeline.slice(mark);
    const launched = tl.find((e) => e.type === "state" && e.detail.from === null)!.subject;
    const opens = tl.filter((e) => e.type === "listen-open" && e.subject === launched).map((e) => e.at);
    const oldGoes = tl.find(
      (e) => e.type === "state" && e.subject === oldId && String(e.detail.to).startsWith("Terminating"),
    )!.at;
    return { opens, lastOpen: opens.at(-1)!, oldGoes };
  }

  it("a replacement healthy once, then flapping, is not healthy until N consecutive passes", async () => {
    const asg = kafka(sim);
    // Up 80 ms, down 80 ms, three times (at 1 ms per simulated second), then up for good: three
    // checks 50 ms apart cannot all land in one 80 ms window.
    asg.flap = { cycles: 3, upSec: 80, downSec: 80 };
    const [oldest] = members(sim, asg);
    const mark = sim.shared.timeline.length;
    const r = await withTempDir((dir) => runPlay(dir, sim, flapping(3)));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const t = firstReplacement(mark, oldest!.id);
    expect(t.opens).toHaveLength(4); // opened, then reopened after each of the 3 flaps
    // The old instance was terminated only after the replacement had stopped flapping.
    expect(t.oldGoes).toBeGreaterThan(t.lastOpen);
  });

  it("the same flapping with healthy_checks: 1 is taken as healthy at once (what the checks prevent)", async () => {
    const asg = kafka(sim);
    // Wider windows than above: one check must land in the first 400 ms up-window even on a busy
    // machine (with 80 ms windows, a late first check sometimes came after the flapping ended).
    asg.flap = { cycles: 2, upSec: 400, downSec: 400 };
    const [oldest] = members(sim, asg);
    const mark = sim.shared.timeline.length;
    const r = await withTempDir((dir) => runPlay(dir, sim, flapping(1)));
    const t = firstReplacement(mark, oldest!.id);
    // The old one went while the replacement still had flaps to come: before its final reopen,
    // due 2 × (400 + 400) simulated seconds after it first opened (which may be after the play).
    expect(t.oldGoes).toBeLessThan(t.opens[0]! + 2 * 800 * 1000);
    // Still flapping when the next host starts, the next precheck may catch it (timing decides).
    if (r.code !== 0) {
      expect(taskResults(r.events, "recycle")[1]!.result.msg).toMatch(
        /^precheck: .* port 9092 closed\); nothing was changed$/,
      );
    }
  });

  it("a replacement healthy once, then down, fails at the whole-replacement deadline; the surge is undone", async () => {
    const asg = kafka(sim);
    // Up 20 ms, then down for good (a window no timer delay on a busy machine can stretch to three checks).
    asg.flap = { cycles: 1, upSec: 20, downSec: 1e9 };
    const [oldest] = members(sim, asg);
    const pb = playbook({
      waitTimeout: 1,
      extra:
        "        precheck: { ports: [9092], timeout: 0.2 }\n        healthy_checks: 3\n        check_interval: 0.01\n",
    });
    const r = await withTempDir((dir) => runPlay(dir, sim, pb));
    expect(r.code).toBe(2);
    const [first] = taskResults(r.events, "recycle");
    expect(first!.result.msg).toMatch(
      /^the replacement i-\w+ did not pass its health policy before the whole replacement's wait_timeout \((\d\/3 consecutive checks passed; last failure|last check failed): port 9092 closed\); terminated the replacement i-\w+ and set desired capacity back to 3; i-\w+ was not touched$/,
    );
    expect(sim.aws.world.instances.get(oldest!.id)!.lifecycleState).toBe("InService");
    expect(await described()).toMatchObject({ desired: 3, rollcallTags: [] });
  });

  it("bake: after the passes, it must stay healthy for the bake time before the old one goes", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    const mark = sim.shared.timeline.length;
    const r = await withTempDir((dir) => runPlay(dir, sim, flapping(2, 0.3)));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const t = firstReplacement(mark, oldest!.id);
    // 300 ms of bake at 1 simulated s per real ms: ≥ 300 simulated s after the port opened.
    expect(t.oldGoes - t.lastOpen).toBeGreaterThanOrEqual(300_000);
  });
});

describe("surge at max size", () => {
  it("strategy auto launches first at max size, raising max by one and putting it back", async () => {
    const asg = kafka(sim);
    asg.max = 3;
    const seen = new Set<number>();
    const probe = setInterval(() => seen.add(asg.max), 1);
    const mark = sim.shared.timeline.length;
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook()));
    clearInterval(probe);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const recycles = taskResults(r.events, "recycle");
    expect(recycles.slice(0, 2).map((e) => e.result.strategy)).toEqual(["launch_first", "launch_first"]);
    expect(seen).toContain(4);
    expect(await described()).toMatchObject({ max: 3, desired: 3, rollcallTags: [] });
    expect(terminated(sim, mark)).toHaveLength(2);
  });

  it("max size is put back after a failure too", async () => {
    const asg = kafka(sim);
    asg.max = 3;
    asg.neverHealthy = true;
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook({ waitTimeout: 0.3 })));
    expect(r.code).toBe(2);
    expect(await described()).toMatchObject({ max: 3, desired: 3, rollcallTags: [] });
  });
});

describe("suspended processes", () => {
  it("are suspended during the recycle and exactly restored after success", async () => {
    const asg = kafka(sim);
    asg.suspended.set("ScheduledActions", "User suspended at an earlier date");
    const during = new Set<string>();
    const probe = setInterval(() => {
      for (const p of asg.suspended.keys()) during.add(p);
    }, 1);
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook()));
    clearInterval(probe);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect([...during].sort()).toEqual([
      "AZRebalance",
      "AlarmNotification",
      "ReplaceUnhealthy",
      "ScheduledActions",
    ]);
    expect(await described()).toMatchObject({ suspended: ["ScheduledActions"], rollcallTags: [] });
    // The one suspended before the run keeps its own reason: rollcall never touched it.
    expect(asg.suspended.get("ScheduledActions")).toBe("User suspended at an earlier date");
  });

  it("are exactly restored after a failure (terminate_first, replacement never healthy)", async () => {
    const asg = kafka(sim);
    asg.suspended.set("AZRebalance", "User suspended earlier");
    asg.neverHealthy = true;
    const pb = playbook({ strategy: "terminate_first", waitTimeout: 0.3 });
    const r = await withTempDir((dir) => runPlay(dir, sim, pb));
    expect(r.code).toBe(2);
    expect(await described()).toMatchObject({ suspended: ["AZRebalance"], rollcallTags: [] });
  });

  it("suspend_processes: [] suspends nothing", async () => {
    const r = await withTempDir((dir) =>
      runPlay(dir, sim, playbook({ extra: "        suspend_processes: []\n" })),
    );
    expect(r.code, r.stdout).toBe(0);
    expect(count(sim, "SuspendProcesses")).toBe(0);
  });
});

describe("deadlines", () => {
  it("step_timeout bounds one wait; wait_timeout the whole replacement", async () => {
    const asg = kafka(sim);
    asg.spec.boot_sec = 1e6;
    const pb = playbook({ waitTimeout: 30, extra: "        step_timeout: 0.2\n" });
    const t0 = Date.now();
    const r = await withTempDir((dir) => runPlay(dir, sim, pb));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(2);
    expect(taskResults(r.events, "recycle")[0]!.result.msg).toMatch(
      /^timed out after 0\.\d s \(step_timeout 0\.2 s\) waiting for a new instance in kafka-asg-prod/,
    );
  });
});

describe("protected: refresh | ignore | wait", () => {
  const pb = (policy: string, extra = "") =>
    playbook({ extra: `        protected: ${policy}\n        step_timeout: 0.3\n${extra}` });

  it("ignore skips a scale-in protected instance; refresh replaces it; wait times out on it", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    sim.aws.world.instances.get(oldest!.id)!.protectedFromScaleIn = true;
    const ignored = await withTempDir((dir) => runPlay(dir, sim, pb("ignore")));
    expect(ignored.code, ignored.stdout + ignored.stderr).toBe(0);
    const first = taskResults(ignored.events, "recycle")[0]!;
    expect(first.status).toBe("ok");
    expect(first.result.msg).toBe(
      `${oldest!.id} is protected from scale-in: not replaced (protected: ignore)`,
    );
    expect(sim.aws.world.instances.get(oldest!.id)!.lifecycleState).toBe("InService");

    const waited = await withTempDir((dir) => runPlay(dir, sim, pb("wait")));
    expect(waited.code).toBe(2);
    expect(taskResults(waited.events, "recycle")[0]!.result.msg).toMatch(
      new RegExp(
        `^timed out after 0\\.\\d s \\(step_timeout 0\\.3 s\\) waiting for ${oldest!.id} to be no longer protected from scale-in \\(protected: wait\\)`,
      ),
    );

    const refreshed = await withTempDir((dir) => runPlay(dir, sim, pb("refresh")));
    expect(refreshed.code, refreshed.stdout).toBe(0);
    expect(sim.aws.world.instances.get(oldest!.id)!.lifecycleState).toBe("Terminated");
  });

  it("wait goes on once the protection is removed", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    const inst = sim.aws.world.instances.get(oldest!.id)!;
    inst.protectedFromScaleIn = true;
    setTimeout(() => {
      inst.protectedFromScaleIn = false;
    }, 100);
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook({ extra: "        protected: wait\n" })));
    expect(r.code, r.stdout).toBe(0);
    expect(inst.lifecycleState).toBe("Terminated");
  });

  it("a Standby instance: ignore skips it, refresh terminates it (it is outside desired capacity)", async () => {
    const asg = kafka(sim);
    asg.min = 2;
    const [oldest] = members(sim, asg);
    const inst = sim.aws.world.instances.get(oldest!.id)!;
    enterStandby(sim.aws.world, asg, inst, true);
    // The precheck would refuse the other members' replacement (a Standby member leaves the
    // cluster one short): off here, this test is about the policy.
    const pbFor = (policy: string) =>
      playbook({ extra: `        protected: ${policy}\n        precheck: false\n` });
    const ignored = await withTempDir((dir) => runPlay(dir, sim, pbFor("ignore")));
    expect(ignored.code, ignored.stdout + ignored.stderr).toBe(0);
    expect(taskResults(ignored.events, "recycle").find((e) => e.host === oldest!.ip)!.result.msg).toBe(
      `${oldest!.id} is on Standby: not replaced (protected: ignore)`,
    );
    const refreshed = await withTempDir((dir) => runPlay(dir, sim, pbFor("refresh")));
    expect(refreshed.code, refreshed.stdout).toBe(0);
    const msg = taskResults(refreshed.events, "recycle").find((e) => e.host === oldest!.ip)!.result.msg;
    expect(msg).toMatch(/^terminated i-\w+, which was on Standby .*none replaces it$/);
    expect(inst.lifecycleState).toBe("Terminated");
    expect(await described()).toMatchObject({ desired: 2, rollcallTags: [] });
  });
});
