// `kill -9` of a watcher in the middle of a play: nothing was completed or deleted, so the
// message reappears once its visibility timeout runs out, a second watcher takes it (receive #2),
// runs the play and completes the lifecycle action — exactly once.

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

describe("rollcall watch: a watcher killed mid-play", () => {
  it("leaves the message to reappear; a second watcher completes the action once", async () => {
    // 300 simulated seconds of heartbeat window = 15 real seconds at scale 20: room for the
    // visibility timeout (2 s) to pass after the kill, even on a loaded machine.
    h = await startHarness(watchFleet({ desired: 0, heartbeatTimeout: 300, notifications: false }), 20);
    const config = h.writeConfig({
      on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
      visibility_timeout: 2,
      heartbeat_interval: 0.5,
      wait_time_seconds: 1,
      vars: { minion_port: 7022, salt_key_delay: 1 },
    });
    const first = h.startWatcher(config, { SALT_STANDIN_SLEEP_MS: "30000" });
    await first.waitFor(/watching/);
    await h.sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 1 }));
    // The first watcher is inside `salt … state.apply` (30 s): kill it there.
    await eventually(
      () => expect(h!.saltCalls().some((c) => c.function === "state.apply")).toBe(true),
      15_000,
    );
    const messageId = /^watch: (\S+) launch event/.exec(await first.waitFor(/launch event for/))![1]!;
    // The second watcher is already polling when the first dies.
    const second = h.startWatcher(config);
    await second.waitFor(/watching/);
    first.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await first.exited).toBeNull();
    expect(h.completions()).toEqual([]);
    const [instance] = h.sim.world.asgs.get("us-east-1/kafka-asg-prod")!.members;
    expect(h.sim.world.instances.get(instance!)!.lifecycleState).toBe("Pending:Wait");

    await second.waitFor(new RegExp(`${messageId} launch event for ${instance} .*receive #2`));
    const history = h.sim.world.sqs.queues.get("events")!.history.filter((e) => e.messageId === messageId);
    const redelivered = history.find((e) => e.kind === "received" && e.receiveCount === 2)!;
    // It came back only after the visibility timeout (2 s from the last extension, ≤1 s before the kill).
    expect(redelivered.at - killedAt).toBeGreaterThanOrEqual(900);
    await second.waitFor(
      new RegExp(`${messageId} completed lifecycle action salt-launch for ${instance}: CONTINUE`),
    );
    await second.waitFor(new RegExp(`${messageId} deleted`));
    await eventually(() => expect(h!.sim.world.instances.get(instance!)!.lifecycleState).toBe("InService"));

    expect(h.completions().map((c) => [c.instance, c.result, c.by])).toEqual([[instance, "CONTINUE", "api"]]);
    expect(h.sim.world.sqs.queues.get("events")!.messages).toHaveLength(0);
    // At least once: the key was accepted by both watchers (salt-key -a is idempotent).
    const accepts = h.saltCalls().filter((c) => c.prog === "salt-key");
    expect(accepts.map((c) => c.argv.join(" "))).toEqual([
      `-a kafka-asg-prod-${instance} -y`,
      `-a kafka-asg-prod-${instance} -y`,
    ]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 90_000);
});
