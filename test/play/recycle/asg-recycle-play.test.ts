// asg_recycle through `rollcall play` against the simulator: real AWS SDK clients, real sockets
// for wait_for, the default fleet's kafka-asg-prod (3 members, the 2 oldest on template v1).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ORIGINAL_DESIRED_TAG } from "../../../src/play/recycle/asg-group.js";
import type { Simulator } from "../../../src/sim/index.js";
import { reconcile } from "../../../src/sim/aws/index.js";
import {
  count,
  inServiceRange,
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
beforeEach(async () => {
  sim = await startAsgSim();
});
afterEach(async () => {
  await sim.close();
});

describe.each([
  { strategy: "launch_first", minInService: 3, maxInService: 4 },
  { strategy: "terminate_first", minInService: 2, maxInService: 3 },
])("asg_recycle $strategy", ({ strategy, minInService, maxInService }) => {
  it("replaces only the outdated instances, oldest first, one at a time, port up before the next", async () => {
    const asg = kafka(sim);
    const before = members(sim, asg);
    expect(before.map((m) => m.outdated)).toEqual([true, true, false]);
    const mark = sim.shared.timeline.length;

    const r = await withTempDir((dir) => runPlay(dir, sim, playbook({ strategy })));
    expect(r.code, r.stdout + r.stderr).toBe(0);

    // Each outdated instance replaced exactly once, in launch order; the current one untouched.
    expect(terminated(sim, mark)).toEqual([before[0]!.id, before[1]!.id]);
    expect(count(sim, "TerminateInstanceInAutoScalingGroup")).toBe(2);
    expect(count(sim, "SetDesiredCapacity")).toBe(strategy === "launch_first" ? 2 : 0);
    const recycles = taskResults(r.events, "recycle");
    expect(recycles.map((e) => e.host)).toEqual(before.map((m) => m.ip));
    expect(recycles.map((e) => e.status)).toEqual(["changed", "changed", "ok"]);
    const fresh = recycles.slice(0, 2).map((e) => e.result.instance as { instanceId: string; privateIp: string });
    expect(recycles[0]!.result).toMatchObject({ strategy, previous: { instanceId: before[0]!.id } });

    // The port answered on each new address (real TCP) before the next replacement began:
    // the new instance's listener opened before the next recycle's first mutating call.
    const ports = taskResults(r.events, "port");
    expect(ports.map((e) => [e.host, e.status])).toEqual([
      [before[0]!.ip, "ok"],
      [before[1]!.ip, "ok"],
      [before[2]!.ip, "skipped"],
    ]);
    const timeline = sim.shared.timeline.slice(mark);
    const opened = timeline.find((e) => e.type === "listen-open" && e.subject === fresh[0]!.instanceId);
    const secondStart = timeline.find(
      (e) => e.type === "action" && e.at > (opened?.at ?? 0) && e.subject !== fresh[0]!.instanceId,
    );
    expect(opened).toBeDefined();
    const firstActionForSecond = timeline.filter((e) => e.type === "action")[strategy === "launch_first" ? 4 : 1];
    expect(opened!.at).toBeLessThanOrEqual(firstActionForSecond!.at);
    expect(secondStart).toBeDefined();
    const order = r.events.map((e) => (e.type === "task_result" ? `${e.task.name}@${e.host}` : e.type));
    expect(order.indexOf(`port@${before[0]!.ip}`)).toBeLessThan(order.indexOf(`recycle@${before[1]!.ip}`));

    // Never more than one instance out of service.
    expect(inServiceRange(sim, mark, 3)).toEqual({ min: minInService, max: maxInService });

    // Back to the original shape: desired 3, tag gone, every member current and InService.
    expect(asg.desired).toBe(3);
    expect(asg.tags.some((t) => t.key === ORIGINAL_DESIRED_TAG)).toBe(false);
    expect(members(sim, asg).map((m) => [m.state, m.outdated])).toEqual([
      ["InService", false],
      ["InService", false],
      ["InService", false],
    ]);
  });
});

describe("asg_recycle refusals and failures", () => {
  it("--check makes no mutating call and says what it would replace", async () => {
    const before = { ...sim.shared.mutatingCalls };
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook(), ["--check"]));
    expect(r.code, r.stdout).toBe(0);
    expect(sim.shared.mutatingCalls).toEqual(before);
    const msgs = taskResults(r.events, "recycle").map((e) => e.result.msg);
    expect(msgs[0]).toMatch(/^would replace i-\w+ \(outdated: kafka-lt v1 → v2\) using launch_first$/);
    expect(msgs[1]).toMatch(/^would replace i-\w+ \(outdated: kafka-lt v1 → v2\)/);
    expect(msgs[2]).toMatch(/^i-\w+ is already on kafka-lt v2$/);
  });

  it("refuses a group that is mid-change, changing nothing", async () => {
    const asg = kafka(sim);
    asg.spec.boot_sec = 1e6; // the extra instance stays Pending for the whole test
    asg.desired = 4;
    reconcile(sim.aws.world, asg);
    const before = { ...sim.shared.mutatingCalls };
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook()));
    expect(r.code).toBe(2);
    const [first, ...rest] = taskResults(r.events, "recycle");
    expect(first!.status).toBe("failed");
    expect(first!.result.msg).toMatch(
      /^ASG kafka-asg-prod is mid-change \(i-\w+ is Pending, desired capacity 4 ≠ 3 InService\); refusing to replace i-\w+$/,
    );
    expect(rest).toEqual([]); // max_fail_percentage 0: the play stops
    expect(sim.shared.mutatingCalls).toEqual(before);
  });

  it("a replacement that never becomes healthy: timeout, play stops, exit 2, desired restored", async () => {
    const asg = kafka(sim);
    asg.neverHealthy = true;
    const before = members(sim, asg);
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook({ waitTimeout: 0.3 })));
    expect(r.code).toBe(2);
    const recycles = taskResults(r.events, "recycle");
    expect(recycles).toHaveLength(1);
    expect(recycles[0]!.status).toBe("failed");
    expect(recycles[0]!.result.msg).toMatch(
      /^timed out after 0 s waiting for a new instance in kafka-asg-prod to be InService and Healthy \(i-\w+ Pending\/Healthy\); terminated the replacement i-\w+ and set desired capacity back to 3; i-\w+ was not touched$/,
    );
    expect(r.events.some((e) => e.type === "no_more_hosts")).toBe(true);
    // The old instance still serves; capacity and tag are as before the run.
    expect(asg.desired).toBe(3);
    expect(asg.tags.some((t) => t.key === ORIGINAL_DESIRED_TAG)).toBe(false);
    expect(sim.aws.world.instances.get(before[0]!.id)!.lifecycleState).toBe("InService");
  });
});
