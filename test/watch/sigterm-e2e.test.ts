// SIGTERM with two plays in flight: the watcher stops receiving at once (a message queued after
// the signal is never received), both plays finish, both lifecycle actions are completed and
// their messages deleted, and the process exits 0.

import { join } from "node:path";
import { SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { eventually } from "../sim/aws/helpers.js";
import { type Harness, PLAYBOOKS, startHarness, watchFleet } from "./support/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("rollcall watch: stopping", () => {
  it("lets the two plays in flight finish, receives nothing more and exits 0", async () => {
    h = await startHarness(watchFleet({ desired: 0, heartbeatTimeout: 600, notifications: false }), 50);
    const config = h.writeConfig({
      on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
      concurrency: 4,
      heartbeat_interval: 1,
      wait_time_seconds: 20,
      vars: { minion_port: 7022, salt_key_delay: 1 },
    });
    const w = h.startWatcher(config, { SALT_STANDIN_SLEEP_MS: "2500" });
    await w.waitFor(/watching/);
    await h.sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 2 }));
    // Both plays are inside `salt … state.apply` (2.5 s each).
    await eventually(
      () => expect(h!.saltCalls().filter((c) => c.function === "state.apply")).toHaveLength(2),
      15_000,
    );
    const queue = h.sim.world.sqs.queues.get("events")!;
    const receivedBefore = queue.history.filter((e) => e.kind === "received").length;

    w.child.kill("SIGTERM");
    await w.waitFor(/stopping: receiving nothing more; 2 messages in flight/);
    // Two slots are free and the long poll was 20 s: a message now would be taken if it still polled.
    const late = await h.sqs.send(
      new SendMessageCommand({ QueueUrl: h.sim.queueUrl("events"), MessageBody: '{"late": true}' }),
    );

    expect(await w.exited).toBe(0);
    const completions = h.completions();
    expect(completions.map((c) => [c.result, c.by])).toEqual([
      ["CONTINUE", "api"],
      ["CONTINUE", "api"],
    ]);
    const members = h.sim.world.asgs.get("us-east-1/kafka-asg-prod")!.members;
    await eventually(() =>
      expect(members.map((id) => h!.sim.world.instances.get(id)!.lifecycleState)).toEqual([
        "InService",
        "InService",
      ]),
    );
    expect(h.saltCalls().filter((c) => c.function === "state.apply" && c.done)).toHaveLength(2);
    expect(queue.history.filter((e) => e.kind === "received")).toHaveLength(receivedBefore);
    expect(queue.messages.map((m) => [m.id, m.receiveCount])).toEqual([[late.MessageId, 0]]);
    expect(w.lines().filter((l) => /^watch: \S+ deleted$/.test(l))).toHaveLength(2);
    expect(w.lines().at(-1)).toBe("watch: stopped");
    expect(w.stderr()).toBe("");
  }, 90_000);

  it("stops plays still running when the grace period is over: nothing completed, messages back, exit 99", async () => {
    h = await startHarness(watchFleet({ desired: 0, heartbeatTimeout: 600, notifications: false }), 50);
    const config = h.writeConfig({
      on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
      grace_period: 1,
      heartbeat_interval: 1,
      wait_time_seconds: 1,
      vars: { minion_port: 7022, salt_key_delay: 1 },
    });
    const w = h.startWatcher(config, { SALT_STANDIN_SLEEP_MS: "15000" });
    await w.waitFor(/watching/);
    await h.sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 1 }));
    await eventually(
      () => expect(h!.saltCalls().some((c) => c.function === "state.apply")).toBe(true),
      15_000,
    );
    const id = /^watch: (\S+) launch event/.exec(await w.waitFor(/launch event for/))![1]!;
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(ExitCode.interrupted);
    await w.waitFor(
      new RegExp(`${id} play stopped before it finished \\(grace period over\\): left to reappear`),
    );
    expect(h.completions()).toEqual([]);
    const queue = h.sim.world.sqs.queues.get("events")!;
    expect(queue.history.filter((e) => e.messageId === id && e.kind === "visibility").at(-1)).toMatchObject({
      seconds: 0,
    });
    expect(queue.messages.find((m) => m.id === id)!.visibleAt).toBeLessThanOrEqual(Date.now());
  }, 90_000);

  it("exits 3 with one line when the queue does not exist", async () => {
    h = await startHarness(watchFleet({ desired: 0, notifications: false }), 50);
    const config = h.writeConfig({
      queue_url: `${h.sim.url}/123456789012/no-such-queue`,
      on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
    });
    const w = h.startWatcher(config);
    expect(await w.exited).toBe(3);
    expect(w.stderr()).toMatch(
      /^rollcall: sqs ReceiveMessage \(us-east-1\) failed: HTTP 400: AWS\.SimpleQueueService\.NonExistentQueue: The specified queue does not exist\. \(request [0-9a-f-]+\)\n$/,
    );
  }, 90_000);

  it("exits 1 with one line when there are no AWS credentials at all", async () => {
    h = await startHarness(watchFleet({ desired: 0, notifications: false }), 50);
    const config = h.writeConfig({ on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml") });
    // No keys, no profile, and no instance metadata to ask (it is not on loopback).
    const w = h.startWatcher(config, {
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(await w.exited).toBe(ExitCode.error);
    expect(w.stderr()).toMatch(/^rollcall: no AWS credentials found .*\n$/);
  }, 90_000);
});
