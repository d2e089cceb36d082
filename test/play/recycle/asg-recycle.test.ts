// asg_recycle against the simulator: real AWS SDK clients, real sockets for wait_for, the default
// fleet's kafka-asg-prod (3 members, the 2 oldest on launch template v1, max size 4). One file on
// purpose: the simulators of one process get distinct 127.N/16 address ranges, while simulators
// of parallel test processes may pick the same one.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsApi } from "../../../src/cloud/aws/api.js";
import { InterruptedError } from "../../../src/errors.js";
import { ORIGINAL_DESIRED_TAG } from "../../../src/play/recycle/asg-group.js";
import {
  type AsgInFlight,
  type AsgRecycleHooks,
  type AsgRecycleRequest,
  recycleAsgInstance,
} from "../../../src/play/recycle/asg-recycle.js";
import type { ActionJournal, JournalAction } from "../../../src/play/recycle/journal-port.js";
import { reconcile } from "../../../src/sim/aws/index.js";
import type { Simulator } from "../../../src/sim/index.js";
import {
  ASG,
  count,
  createSimAwsApi,
  inServiceRange,
  kafka,
  members,
  playbook,
  REGION,
  runPlay,
  startAsgSim,
  taskResults,
  terminated,
  until,
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
    const fresh = recycles
      .slice(0, 2)
      .map((e) => e.result.instance as { instanceId: string; privateIp: string });
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
    // The second replacement's first capacity change: its scale-out, or its terminate.
    const capacityAction =
      strategy === "launch_first" ? "SetDesiredCapacity" : "TerminateInstanceInAutoScalingGroup";
    const firstActionForSecond = timeline.filter(
      (e) => e.type === "action" && e.detail.action === capacityAction,
    )[1];
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
      /^timed out after 0(\.\d)? s \(the whole replacement's wait_timeout\) waiting for a new instance in kafka-asg-prod to be InService and Healthy \(i-\w+ Pending\/Healthy\); terminated the replacement i-\w+ and set desired capacity back to 3; i-\w+ was not touched$/,
    );
    expect(r.events.some((e) => e.type === "no_more_hosts")).toBe(true);
    // The old instance still serves; capacity and tag are as before the run.
    expect(asg.desired).toBe(3);
    expect(asg.tags.some((t) => t.key === ORIGINAL_DESIRED_TAG)).toBe(false);
    expect(sim.aws.world.instances.get(before[0]!.id)!.lifecycleState).toBe("InService");
  });
});

function request(instanceId: string, over: Partial<AsgRecycleRequest> = {}): AsgRecycleRequest {
  return {
    asgName: ASG,
    instanceId,
    strategy: "auto",
    onlyIfOutdated: true,
    waitTimeoutMs: 5000,
    pollIntervalMs: 10,
    check: false,
    ...over,
  };
}

function hooks(over: Partial<AsgRecycleHooks> = {}): AsgRecycleHooks {
  return {
    signal: new AbortController().signal,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: Date.now,
    progress() {},
    async beforeIssue() {},
    ...over,
  };
}

const hasTag = () => kafka(sim).tags.some((t) => t.key === ORIGINAL_DESIRED_TAG);

describe("asg recycle: other actors", () => {
  it("re-reads desired capacity right before raising it, and does not overwrite a change", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    const out = await recycleAsgInstance(
      api,
      request(oldest!.id),
      hooks({
        // An autoscaler scales out between our first read and our write.
        async beforeIssue() {
          asg.desired = 4;
          reconcile(sim.aws.world, asg);
        },
      }),
    );
    expect(out.ok).toBe(false);
    expect(out.msg).toBe(
      "desired capacity of kafka-asg-prod changed from 3 to 4 just before the scale-out (an autoscaler?): not overwriting it; nothing was changed",
    );
    expect(count(sim, "SetDesiredCapacity")).toBe(0);
    expect(asg.desired).toBe(4);
    expect(hasTag()).toBe(false);
  });

  it("an autoscaler raising desired during the wait keeps its change (terminate names our instance)", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    let moved = false;
    const out = await recycleAsgInstance(
      api,
      request(oldest!.id),
      hooks({
        progress() {
          if (moved) return;
          moved = true;
          asg.max = 6;
          asg.desired = 5;
          reconcile(sim.aws.world, asg);
        },
      }),
    );
    expect(out.ok, out.msg).toBe(true);
    expect(out.msg).toMatch(/desired capacity 4; desired capacity was changed to 5 by someone else/);
    expect(count(sim, "SetDesiredCapacity")).toBe(1); // only the scale-out, never a write-back
    expect(asg.desired).toBe(4);
    expect(sim.aws.world.instances.get(oldest!.id)!.lifecycleState).toBe("Terminated");
    expect(hasTag()).toBe(false);
  });

  it("refuses during an active instance refresh and with a leftover original-desired tag", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    sim.aws.world.instanceRefreshes = new Map([
      [`${REGION}/${ASG}`, [{ id: "r-0123", status: "InProgress" }]],
    ]);
    const busy = await recycleAsgInstance(api, request(oldest!.id), hooks());
    expect(busy.msg).toBe(
      `ASG kafka-asg-prod is mid-change (instance refresh r-0123 is InProgress); refusing to replace ${oldest!.id}`,
    );
    sim.aws.world.instanceRefreshes = undefined;
    asg.tags.push({ key: ORIGINAL_DESIRED_TAG, value: "2", propagate: false });
    const leftover = await recycleAsgInstance(api, request(oldest!.id), hooks());
    expect(leftover.ok).toBe(false);
    expect(leftover.msg).toMatch(
      /has tag rollcall:original-desired=2 but desired capacity 3: an earlier recycle/,
    );
    expect(sim.shared.mutatingCalls.autoscaling ?? 0).toBe(0);
  });

  it("auto picks terminate_first when max_healthy_percentage forbids a surge", async () => {
    const asg = kafka(sim);
    const [oldest] = members(sim, asg);
    const mark = sim.shared.timeline.length;
    const out = await recycleAsgInstance(api, request(oldest!.id, { percentages: { max: 100 } }), hooks());
    expect(out).toMatchObject({ ok: true, changed: true, strategy: "terminate_first", batchSize: 1 });
    expect(inServiceRange(sim, mark, 3).min).toBe(2);
    const refused = await recycleAsgInstance(
      api,
      request(members(sim, asg)[0]!.id, { strategy: "launch_first", percentages: { max: 100 } }),
      hooks(),
    );
    expect(refused.msg).toMatch(
      /^launch_first needs room for one more instance, but min_healthy_percentage unset, max_healthy_percentage 100 allow at most 3 of 3/,
    );
    const none = await recycleAsgInstance(
      api,
      request(members(sim, asg)[0]!.id, { percentages: { min: 100, max: 100 } }),
      hooks(),
    );
    expect(none.msg).toMatch(/leave no room to replace an instance of a group of 3/);
  });

  it("an API error is a failure with a clear message, and the tag is cleaned up", async () => {
    sim.aws.world.denied.add("autoscaling:SetDesiredCapacity");
    const out = await recycleAsgInstance(api, request(members(sim, kafka(sim))[0]!.id), hooks());
    expect(out.ok).toBe(false);
    expect(out.msg).toMatch(/^autoscaling SetDesiredCapacity .*AccessDenied.*; nothing was changed$/);
    expect(hasTag()).toBe(false);
    expect(kafka(sim).desired).toBe(3);
  });
});

/** The ActionJournal port in memory, as src/play/journal/journal.ts implements it on disk. */
function memoryJournal(): ActionJournal & { actions: Map<string, JournalAction>; done: string[] } {
  const actions = new Map<string, JournalAction>();
  const done: string[] = [];
  return {
    actions,
    done,
    runStartedAt: new Date().toISOString(),
    resuming: true,
    inFlight: (host, kind) => actions.get(`${host}|${kind}`),
    async recordIssued(host, kind, data) {
      actions.set(`${host}|${kind}`, { kind, host, issuedAt: new Date().toISOString(), data });
    },
    async recordDone(host, kind, outcome) {
      actions.delete(`${host}|${kind}`);
      done.push(`${host}:${outcome}`);
    },
  };
}

describe("asg recycle: resume", () => {
  it("re-attaches to an interrupted launch_first without issuing it again, then the play goes on", async () => {
    const asg = kafka(sim);
    const before = members(sim, asg);
    const journal = memoryJournal();
    const abort = new AbortController();
    // Attempt 1: crash (Ctrl-C) while waiting for the replacement, after the scale-out.
    await expect(
      recycleAsgInstance(
        api,
        request(before[0]!.id),
        hooks({
          signal: abort.signal,
          beforeIssue: (data: AsgInFlight) => journal.recordIssued(before[0]!.ip, "asg-recycle", { ...data }),
          progress: () => abort.abort(),
        }),
      ),
    ).rejects.toBeInstanceOf(InterruptedError);
    expect(asg.desired).toBe(4);
    expect(hasTag()).toBe(true);
    expect(journal.actions.size).toBe(1);

    // Attempt 2: the play with the journal; the first host re-attaches.
    const r = await withTempDir((dir) => runPlay(dir, sim, playbook(), [], { services: { journal } }));
    expect(r.code, r.stdout).toBe(0);
    const recycles = taskResults(r.events, "recycle");
    const first = recycles.find((e) => e.host === before[0]!.ip)!;
    expect(first.status).toBe("changed");
    expect(first.result.msg).toMatch(
      /using launch_first \(re-attached to a recycle issued at .+\); desired capacity 3$/,
    );
    expect(journal.done).toContain(`${before[0]!.ip}:ok`);
    // One scale-out per outdated instance in total: the interrupted one was not issued twice.
    expect(count(sim, "SetDesiredCapacity")).toBe(2);
    expect(count(sim, "TerminateInstanceInAutoScalingGroup")).toBe(2);
    expect(asg.desired).toBe(3);
    expect(hasTag()).toBe(false);
    expect(members(sim, asg).every((m) => !m.outdated && m.state === "InService")).toBe(true);
  });
});

describe("asg recycle: resume with the run journal", () => {
  it("Ctrl-C mid-recycle, then --resume re-attaches instead of scaling out again", async () => {
    const asg = kafka(sim);
    const before = members(sim, asg);
    await withTempDir(async (dir) => {
      const stop = new AbortController();
      const first = runPlay(dir, sim, playbook(), [], { signal: stop.signal, exitNow: () => {} });
      // Interrupt once the scale-out has launched the replacement (still booting).
      await until(() => count(sim, "SetDesiredCapacity") === 1 && asg.members.length === 4);
      stop.abort();
      const r1 = await first;
      expect(r1.code).not.toBe(0);
      expect(asg.desired).toBe(4);
      expect(hasTag()).toBe(true);

      const r2 = await runPlay(dir, sim, playbook(), ["--resume"]);
      expect(r2.code, r2.stdout + r2.stderr).toBe(0);
      const resumed = taskResults(r2.events, "recycle").find((e) => e.host === before[0]!.ip)!;
      expect(resumed.result.msg).toMatch(/re-attached to a recycle issued at/);
    });
    expect(count(sim, "SetDesiredCapacity")).toBe(2);
    expect(count(sim, "TerminateInstanceInAutoScalingGroup")).toBe(2);
    expect(asg.desired).toBe(3);
    expect(hasTag()).toBe(false);
    expect(members(sim, asg).every((m) => !m.outdated && m.state === "InService")).toBe(true);
  });
});
