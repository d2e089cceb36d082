// Two watchers on one queue (SQS spreads the messages): 20 launch hooks at once, then a
// redelivered copy of five of them. Every event is handled, each lifecycle action is completed
// exactly once, the copies run no play, and neither watcher crashes.

import { join } from "node:path";
import { SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../sim/aws/helpers.js";
import { type Harness, PLAYBOOKS, startHarness, watchFleet } from "./support/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("rollcall watch: two watchers, one queue", () => {
  it("handles 20 events between them, completing none twice", async () => {
    h = await startHarness(watchFleet({ desired: 0, heartbeatTimeout: 600, notifications: false }), 50);
    const config = h.writeConfig({
      on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
      concurrency: 4,
      heartbeat_interval: 1,
      wait_time_seconds: 2,
      vars: { minion_port: 7022, salt_key_delay: 1 },
    });
    // A little work per play, so both watchers have messages in flight at once.
    const watchers = [0, 1].map(() => h!.startWatcher(config, { SALT_STANDIN_SLEEP_MS: "150" }));
    await Promise.all(watchers.map((w) => w.waitFor(/watching/)));
    await h.sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 20 }));
    await eventually(() => expect(h!.completions()).toHaveLength(20), 60_000);
    await eventually(() => expect(h!.sim.world.sqs.queues.get("events")!.messages).toHaveLength(0), 10_000);

    const completions = h.completions();
    expect(new Set(completions.map((c) => c.token)).size).toBe(20);
    expect(new Set(completions.map((c) => c.instance)).size).toBe(20);
    expect(completions.every((c) => c.result === "CONTINUE" && c.by === "api")).toBe(true);
    const members = h.sim.world.asgs.get("us-east-1/kafka-asg-prod")!.members;
    expect(members.map((id) => h!.sim.world.instances.get(id)!.lifecycleState)).toEqual(
      Array(20).fill("InService"),
    );
    const handledBy = watchers.map(
      (w) => w.lines().filter((l) => /completed lifecycle action/.test(l)).length,
    );
    expect(handledBy[0]! + handledBy[1]!).toBe(20);
    expect(Math.min(...handledBy)).toBeGreaterThan(0);
    const accepts = h.saltCalls().filter((c) => c.prog === "salt-key");
    expect(accepts).toHaveLength(20);

    // SQS is at-least-once: copies of five hook messages arrive after their actions completed.
    for (const m of h.sim.shared.timeline.filter((e) => e.detail.lifecycle === "completed").slice(0, 5)) {
      const body = JSON.stringify({
        Origin: "EC2",
        Destination: "AutoScalingGroup",
        LifecycleHookName: "salt-launch",
        AccountId: "123456789012",
        RequestId: "7b0e4a3c-0000-4000-8000-000000000000",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        AutoScalingGroupName: "kafka-asg-prod",
        Service: "AWS Auto Scaling",
        Time: new Date().toISOString(),
        EC2InstanceId: m.subject,
        LifecycleActionToken: String(m.detail.token),
      });
      await h.sqs.send(new SendMessageCommand({ QueueUrl: h.sim.queueUrl("events"), MessageBody: body }));
    }
    await eventually(() => {
      const dropped = watchers
        .flatMap((w) => w.lines())
        .filter((l) => /duplicate|no active lifecycle action/.test(l));
      expect(dropped).toHaveLength(5);
    }, 15_000);
    await eventually(() => expect(h!.sim.world.sqs.queues.get("events")!.messages).toHaveLength(0));
    expect(h.completions()).toHaveLength(20);
    expect(h.saltCalls().filter((c) => c.prog === "salt-key")).toHaveLength(20);

    for (const w of watchers) w.child.kill("SIGTERM");
    expect(await Promise.all(watchers.map((w) => w.exited))).toEqual([0, 0]);
    for (const w of watchers) {
      expect(w.stderr()).toBe("");
      expect(w.lines().filter((l) => /internal error|failed:/.test(l))).toEqual([]);
    }
  }, 90_000);
});
