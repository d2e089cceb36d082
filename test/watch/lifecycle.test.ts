// Heartbeat intervals from the hook's own timeout (DescribeLifecycleHooks on the simulator), the
// safe default when the call is denied, and the warning for a configured interval that is too long.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsApi, createAwsApi } from "../../src/cloud/aws/api.js";
import { createHeartbeatIntervals, SAFE_HEARTBEAT_SEC } from "../../src/watch/lifecycle.js";
import { startTestAwsSim, type TestAwsSim } from "../sim/aws/helpers.js";
import { watchFleet } from "./support/harness.js";

let sim: TestAwsSim;
let api: AwsApi;
beforeAll(async () => {
  sim = await startTestAwsSim(watchFleet({ desired: 0, heartbeatTimeout: 120 }));
  api = await createAwsApi({
    region: "us-east-1",
    endpoints: { default: sim.url },
    credentials: { accessKeyId: sim.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sim.env.AWS_SECRET_ACCESS_KEY! },
  });
});
afterAll(async () => {
  api.destroy();
  await sim.stop();
});

describe("heartbeat intervals", () => {
  it("default to half the hook's heartbeat timeout, asked once per hook", async () => {
    const interval = createHeartbeatIntervals(undefined, () => {});
    expect(await interval(api, "kafka-asg-prod", "salt-launch")).toBe(60);
    expect(await interval(api, "kafka-asg-prod", "salt-launch")).toBe(60);
    expect(sim.world.requestCounts["autoscaling:DescribeLifecycleHooks"]).toBe(1);
  });

  it("fall back to 15 s when DescribeLifecycleHooks is not allowed", async () => {
    sim.world.denied.add("autoscaling:DescribeLifecycleHooks");
    try {
      const interval = createHeartbeatIntervals(undefined, () => {});
      expect(await interval(api, "kafka-asg-prod", "salt-terminate")).toBe(SAFE_HEARTBEAT_SEC);
    } finally {
      sim.world.denied.delete("autoscaling:DescribeLifecycleHooks");
    }
  });

  it("warn once when a configured interval is not shorter than the hook's timeout", async () => {
    const warnings: string[] = [];
    const interval = createHeartbeatIntervals(150, (m) => warnings.push(m));
    expect(await interval(api, "kafka-asg-prod", "salt-launch")).toBe(150);
    expect(await interval(api, "kafka-asg-prod", "salt-launch")).toBe(150);
    await new Promise((r) => setTimeout(r, 50));
    expect(warnings).toEqual([
      "heartbeat_interval 150 s is not shorter than hook salt-launch's 120 s heartbeat timeout",
    ]);
    const fine: string[] = [];
    await createHeartbeatIntervals(30, (m) => fine.push(m))(api, "kafka-asg-prod", "salt-launch");
    await new Promise((r) => setTimeout(r, 50));
    expect(fine).toEqual([]);
  });
});
