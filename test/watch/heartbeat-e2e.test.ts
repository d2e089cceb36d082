// A play longer than the hook's heartbeat timeout: with heartbeats the instance keeps waiting
// and the watcher's CONTINUE decides; with the `heartbeats: false` test switch the hook's
// DefaultResult (ABANDON) applies on its own and the watcher finds no active action to complete.
// The hook's 30 simulated seconds are 3 real seconds at scale 10; the play takes 7.

import { join } from "node:path";
import { SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../sim/aws/helpers.js";
import { type Harness, PLAYBOOKS, startHarness, watchFleet } from "./support/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const SCALE = 10;
const PLAY_MS = 7000;

async function scaleOut(harness: Harness, heartbeats: boolean) {
  const config = harness.writeConfig({
    on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
    heartbeats,
    heartbeat_interval: 0.5,
    wait_time_seconds: 1,
    vars: { minion_port: 7022, salt_key_delay: 1 },
  });
  const w = harness.startWatcher(config, { SALT_STANDIN_SLEEP_MS: String(PLAY_MS) });
  await w.waitFor(/watching/);
  await harness.sim
    .autoscaling()
    .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 1 }));
  const line = await w.waitFor(/launch event for (i-\w+)/);
  return { w, instance: /for (i-\w+)/.exec(line)![1]! };
}

describe("rollcall watch: heartbeats hold the lifecycle action", () => {
  it("keeps the instance in Pending:Wait past the heartbeat timeout while the play runs", async () => {
    h = await startHarness(watchFleet({ desired: 0, heartbeatTimeout: 30, notifications: false }), SCALE);
    const { w, instance } = await scaleOut(h, true);
    await w.waitFor(new RegExp(`completed lifecycle action salt-launch for ${instance}: CONTINUE`), 30_000);
    await eventually(() => expect(h!.sim.world.instances.get(instance)!.lifecycleState).toBe("InService"));
    // It waited in Pending:Wait for more than two heartbeat timeouts (simulated time).
    const states = h.sim.shared.timeline.filter((e) => e.type === "state" && e.subject === instance);
    const waitStart = states.find((e) => e.detail.to === "Pending:Wait")!.at;
    const waitEnd = states.find((e) => e.detail.to === "Pending:Proceed")!.at;
    expect(waitEnd - waitStart).toBeGreaterThan(2 * 30_000);
    expect(h.completions().map((c) => [c.instance, c.result, c.by])).toEqual([[instance, "CONTINUE", "api"]]);
    // One heartbeat before the play, then one every 0.5 s of a 7 s play.
    expect(h.sim.world.requestCounts["autoscaling:RecordLifecycleActionHeartbeat"]).toBeGreaterThanOrEqual(8);
  }, 90_000);

  it("without heartbeats, the hook's default result applies before the play ends", async () => {
    h = await startHarness(watchFleet({ desired: 0, heartbeatTimeout: 30, notifications: false }), SCALE);
    const { w, instance } = await scaleOut(h, false);
    await eventually(() => expect(h!.completions()).toHaveLength(1), 10_000);
    expect(h.completions().map((c) => [c.instance, c.result, c.by])).toEqual([
      [instance, "ABANDON", "timeout"],
    ]);
    expect(h.sim.world.instances.get(instance)!.lifecycleState).toMatch(/^Terminat/);
    await w.waitFor(new RegExp(`no active lifecycle action for ${instance} .*nothing to complete`), 20_000);
    expect(h.sim.world.requestCounts["autoscaling:RecordLifecycleActionHeartbeat"] ?? 0).toBe(0);
    // The abandoned instance's replacement waits on its own hook; this one was completed once.
    expect(h.completions().filter((c) => c.instance === instance)).toHaveLength(1);
  }, 90_000);
});
