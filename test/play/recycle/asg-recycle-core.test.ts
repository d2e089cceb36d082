// The ASG recycle logic over the real AWS SDK client against the simulator: other actors moving
// desired capacity, refusals, API errors, and resuming an interrupted recycle from the journal.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AwsApi, createAwsApi } from "../../../src/cloud/aws-api.js";
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
  inServiceRange,
  kafka,
  members,
  playbook,
  REGION,
  runPlay,
  startAsgSim,
  taskResults,
  withTempDir,
} from "./asg-support.js";

let sim: Simulator;
let api: AwsApi;
beforeEach(async () => {
  sim = await startAsgSim();
  api = await createAwsApi({
    region: REGION,
    endpoints: { default: sim.aws.url },
    credentials: {
      accessKeyId: sim.env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: sim.env.AWS_SECRET_ACCESS_KEY!,
    },
    maxAttempts: 2,
  });
});
afterEach(async () => {
  api.destroy();
  await sim.close();
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
    expect(leftover.msg).toMatch(/has tag rollcall:original-desired=2 but desired capacity 3: an earlier recycle/);
    expect(sim.shared.mutatingCalls.autoscaling ?? 0).toBe(0);
  });

  it("auto picks terminate_first when max size leaves no room for one more", async () => {
    const asg = kafka(sim);
    asg.max = 3;
    const [oldest] = members(sim, asg);
    const mark = sim.shared.timeline.length;
    const out = await recycleAsgInstance(api, request(oldest!.id), hooks());
    expect(out).toMatchObject({ ok: true, changed: true, strategy: "terminate_first" });
    expect(inServiceRange(sim, mark, 3).min).toBe(2);
    const refused = await recycleAsgInstance(
      api,
      request(members(sim, asg)[0]!.id, { strategy: "launch_first" }),
      hooks(),
    );
    expect(refused.msg).toMatch(/^launch_first needs room for one more instance, but desired capacity 3 = max size 3/);
  });

  it("an API error is a failure with a clear message, and the tag is cleaned up", async () => {
    sim.aws.world.denied.add("autoscaling:SetDesiredCapacity");
    const out = await recycleAsgInstance(api, request(members(sim, kafka(sim))[0]!.id), hooks());
    expect(out.ok).toBe(false);
    expect(out.msg).toMatch(/SetDesiredCapacity failed: HTTP 403: AccessDenied.*; nothing was changed$/);
    expect(hasTag()).toBe(false);
    expect(kafka(sim).desired).toBe(3);
  });
});

/** The ActionJournal port in memory, as src/play/journal.ts implements it on disk. */
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
          beforeIssue: (data: AsgInFlight) =>
            journal.recordIssued(before[0]!.ip, "asg-recycle", { ...data }),
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
    expect(first.result.msg).toMatch(/using launch_first \(re-attached to a recycle issued at .+\); desired capacity 3$/);
    expect(journal.done).toContain(`${before[0]!.ip}:ok`);
    // One scale-out per outdated instance in total: the interrupted one was not issued twice.
    expect(count(sim, "SetDesiredCapacity")).toBe(2);
    expect(count(sim, "TerminateInstanceInAutoScalingGroup")).toBe(2);
    expect(asg.desired).toBe(3);
    expect(hasTag()).toBe(false);
    expect(members(sim, asg).every((m) => !m.outdated && m.state === "InService")).toBe(true);
  });
});
