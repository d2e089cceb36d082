// Scaling an ASG out and in with `rollcall watch` (the built CLI) on the simulator: launch and
// terminate hook messages (direct and SNS-wrapped) and plain notifications reach the mapped plays
// with the right vars, the Salt stand-ins record the documented commands, each lifecycle action
// is completed once with CONTINUE, instances leave the wait states, and every message is deleted
// only after its action was completed.

import { writeFileSync } from "node:fs";
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

const TIME_SCALE = 50;

function notifyPlay(dir: string, name: string, fn: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      "- name: Record a plain notification",
      "  hosts: all",
      "  gather_facts: false",
      "  tasks:",
      "    - command:",
      `        argv: [salt, -t, "5", "{{ minion_id }}", ${fn}]`,
      "      delegate_to: localhost",
      "",
    ].join("\n"),
  );
  return path;
}

describe("rollcall watch: scale out and in", () => {
  it("runs the launch, terminate and notification plays and completes each action once", async () => {
    h = await startHarness(watchFleet({ desired: 1, heartbeatTimeout: 300 }), TIME_SCALE);
    const config = h.writeConfig({
      on_launch: join(PLAYBOOKS, "lifecycle-salt-launch.yml"),
      on_terminate: join(PLAYBOOKS, "lifecycle-salt-terminate.yml"),
      on_launched: notifyPlay(h.dir, "launched.yml", "saltutil.sync_all"),
      on_terminated: notifyPlay(h.dir, "terminated.yml", "test.ping"),
      heartbeat_interval: 1,
      wait_time_seconds: 1,
      vars: { minion_port: 7022, salt_key_retries: 2, salt_key_delay: 1 },
    });
    const w = h.startWatcher(config);
    await w.waitFor(/watching .*events/);
    // AWS sent test notifications when the hooks and the notification configuration were made.
    await w.waitFor(/test notification \(direct\): deleted/);
    await w.waitFor(/test notification \(sns\): deleted/);
    const [initial] = h.sim.world.asgs.get("us-east-1/kafka-asg-prod")!.members;

    await h.sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 2 }));
    const launched = await w.waitFor(/completed lifecycle action salt-launch for (i-\w+): CONTINUE/);
    const fresh = /for (i-\w+)/.exec(launched)![1]!;
    const freshMinion = `kafka-asg-prod-${fresh}`;
    await eventually(() => expect(h!.sim.world.instances.get(fresh)!.lifecycleState).toBe("InService"));
    await w.waitFor(new RegExp(`running .*launched\\.yml for ${fresh}`));

    await h.sim
      .autoscaling()
      .send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "kafka-asg-prod", DesiredCapacity: 1 }));
    await w.waitFor(new RegExp(`completed lifecycle action salt-terminate for ${initial}: CONTINUE`));
    await eventually(
      () => expect(h!.sim.world.instances.get(initial!)!.lifecycleState).toBe("Terminated"),
      10_000,
    );
    await w.waitFor(new RegExp(`running .*terminated\\.yml for ${initial}`));
    await eventually(() => expect(h!.sim.world.sqs.queues.get("events")!.messages).toHaveLength(0), 10_000);

    const oldMinion = `kafka-asg-prod-${initial}`;
    // Per minion, in order (the two instances' plays may interleave).
    const calls = (minion: string) =>
      h!
        .saltCalls()
        .filter((c) => !c.done && c.minion === minion)
        .map((c) => `${c.prog} ${c.argv.join(" ")}`);
    expect(calls(freshMinion)).toEqual([
      `salt-key -a ${freshMinion} -y`,
      `salt -t 300 ${freshMinion} state.apply`,
      `salt -t 5 ${freshMinion} saltutil.sync_all`,
    ]);
    expect(calls(oldMinion)).toEqual([
      `salt -t 120 ${oldMinion} state.sls clean`,
      `salt-key -d ${oldMinion} -y`,
      `salt -t 5 ${oldMinion} test.ping`,
    ]);
    expect(h.saltCalls().filter((c) => !c.done)).toHaveLength(6);

    // One completion per lifecycle action, by the API, CONTINUE.
    const completions = h.completions();
    expect(completions.map((c) => [c.instance, c.hook, c.result, c.by])).toEqual([
      [fresh, "salt-launch", "CONTINUE", "api"],
      [initial, "salt-terminate", "CONTINUE", "api"],
    ]);
    // Each hook message was deleted after (never before) its action was completed.
    const history = h.sim.world.sqs.queues.get("events")!.history;
    const completedAt = new Map(
      h.sim.shared.timeline
        .filter((e) => e.detail.lifecycle === "completed")
        .map((e) => [e.subject, Number(e.detail.wallClock)]),
    );
    for (const [instance, at] of completedAt) {
      const messageIds = new Set(
        h.sim.world.sqs.queues
          .get("events")!
          .history.filter((e) => e.kind === "sent")
          .map((e) => e.messageId),
      );
      expect(messageIds.size).toBeGreaterThan(0);
      const hookMessage = w
        .lines()
        .find((l) => l.includes(`event for ${instance}`) && /(launch|terminate) event/.test(l))!;
      const id = /^watch: (\S+)/.exec(hookMessage)![1]!;
      const deleted = history.find((e) => e.kind === "deleted" && e.messageId === id)!;
      expect(deleted.at).toBeGreaterThanOrEqual(at);
    }
    // Every line of a play's output carries its message id.
    const playLines = w.lines().filter((l) => l.startsWith("["));
    expect(playLines.some((l) => /^\[[0-9a-f-]{36}\] TASK \[Accept the minion's key\]/.test(l))).toBe(true);

    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    if (process.env.SHOW_WATCH) console.log(w.stdout());
    expect(w.stderr()).toBe("");
  }, 90_000);
});
