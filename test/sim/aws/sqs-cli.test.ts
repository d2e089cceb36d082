// `rollcall sim --spot-interruption ASG@SECONDS` (the built CLI): the default fleet's
// `rollcall-events` queue receives the EventBridge-shaped warning for one of the group's
// instances, which EC2 reclaims two simulated minutes later. A bad spec is a one-line error.
import { spawn } from "node:child_process";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { CLI, runCli } from "../../helpers/cli.js";

describe("rollcall sim --spot-interruption", () => {
  it("queues the warning on the EventBridge queue after the given simulated seconds", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "sim",
        "--time-scale",
        "100",
        "--spot-interruption",
        "kafka-asg-prod@5",
        "--rebalance",
        "ci-runners@1",
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    );
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d;
          if (/^ready$/m.test(out)) resolve();
        });
        child.on("close", (code) => reject(new Error(`sim exited ${code}`)));
      });
      const env = Object.fromEntries(
        out
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      const sqs = new SQSClient({
        region: env.AWS_REGION,
        endpoint: env.AWS_ENDPOINT_URL,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
      });
      // A long poll answers as soon as one message is there (as SQS does), and the two events are
      // due at different simulated instants: keep receiving until both arrived or 10 s passed.
      const events: Array<{ "detail-type": string; region: string; detail: unknown }> = [];
      const deadline = Date.now() + 10_000;
      while (events.length < 2 && Date.now() < deadline) {
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: `${env.AWS_ENDPOINT_URL}/123456789012/rollcall-events`,
            WaitTimeSeconds: 2,
            MaxNumberOfMessages: 10,
          }),
        );
        for (const m of got.Messages ?? []) events.push(JSON.parse(m.Body!));
      }
      sqs.destroy();
      // ci-runners is in eu-west-1; its rebalance recommendation lands on the same queue.
      expect(events.map((e) => [e["detail-type"], e.region]).sort()).toEqual([
        ["EC2 Instance Rebalance Recommendation", "eu-west-1"],
        ["EC2 Spot Instance Interruption Warning", "us-east-1"],
      ]);
      const warning = events.find((e) => e["detail-type"] === "EC2 Spot Instance Interruption Warning");
      expect(warning?.detail).toMatchObject({
        "instance-id": expect.stringMatching(/^i-/),
        "instance-action": "terminate",
      });
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("refuses a malformed spec with one line", async () => {
    const r = await runCli(["sim", "--spot-interruption", "kafka-asg-prod@soon"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'rollcall: --spot-interruption: expected INSTANCE-ID or ASG, optionally @SECONDS, got "kafka-asg-prod@soon"\n',
    );
  });
});
