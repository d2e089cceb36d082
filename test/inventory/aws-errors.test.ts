// Bad inputs to the AWS source, through the built CLI: each gives one line on stderr and a
// documented exit code (2 for what the user must fix before anything runs, 3 for a remote refusal).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { defaultAwsFleet } from "../../src/sim/aws/index.js";
import { runCli } from "../helpers/cli.js";
import { startTestAwsSim, type TestAwsSim } from "../sim/aws/helpers.js";

let sim: TestAwsSim;
let dir: string;
beforeAll(async () => {
  sim = await startTestAwsSim(defaultAwsFleet);
  dir = await mkdtemp(join(tmpdir(), "rollcall-aws-bad-"));
});
afterAll(() => sim.stop());

async function run(
  yaml: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; line: string }> {
  await writeFile(join(dir, "inv.yml"), yaml);
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const r = await runCli(
    ["inventory", "--list", "-c", "inv.yml"],
    {
      ...clean,
      HOME: dir,
      XDG_CACHE_HOME: join(dir, "cache"),
      // The SDK's default chain must find nothing ambient, and never ask the instance metadata
      // service (a non-loopback address).
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    },
    dir,
  );
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  return { code: r.code, line: r.stderr.trimEnd().replace(/^rollcall: /, "") };
}

const env = () => ({ ...sim.sourceEnv });

describe("bad inputs → one line, documented exit code", () => {
  const cases: {
    name: string;
    yaml: string;
    env?: () => Record<string, string | undefined>;
    code: number;
    line: RegExp;
    setup?: () => () => void;
  }[] = [
    {
      name: "unknown region",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1, us-east1]\n",
      code: ExitCode.badInput,
      line: /^inv\.yml:3:26: sources\.0\.regions\.1: unknown region "us-east1": expected a region code like us-east-1 \(did you mean "us-east-1"\?\)$/,
    },
    {
      name: "bad glob",
      yaml: "sources:\n  - type: aws\n    asg_names: 'kafka-['\n",
      code: ExitCode.badInput,
      line: /^inv\.yml:3:16: sources\.0\.asg_names: bad glob "kafka-\[": Missing closing/,
    },
    {
      name: "misspelt option",
      yaml: "sources:\n  - type: aws\n    asg_name: kafka-*\n",
      code: ExitCode.badInput,
      line: /^inv\.yml:3:5: unknown option "asg_name" in sources\.0 \(did you mean "asg_names"\?\)$/,
    },
    {
      name: "wrong type",
      yaml: "sources:\n  - type: aws\n    concurrency: lots\n",
      code: ExitCode.badInput,
      line: /^inv\.yml:3:18: sources\.0\.concurrency: expected a number, got the string "lots"$/,
    },
    {
      name: "malformed YAML",
      yaml: "sources:\n  - type: aws\n   regions: [us-east-1\n",
      code: ExitCode.badInput,
      line: /^inv\.yml:\d+:\d+: invalid YAML: /,
    },
    {
      name: "no region anywhere",
      yaml: "sources:\n  - type: aws\n",
      env: () => ({ ...sim.sourceEnv, AWS_REGION: undefined }),
      code: ExitCode.badInput,
      line: /^source aws: no region: set regions: in the source, or AWS_REGION$/,
    },
    {
      name: "no credentials",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1]\n",
      env: () => ({ AWS_ENDPOINT_URL: sim.url }),
      code: ExitCode.error,
      line: /^no AWS credentials found \(.*\): set AWS_PROFILE or AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, or profile: in the source$/,
    },
    {
      name: "AccessDenied",
      yaml: "sources:\n  - type: aws\n    name: asgs\n    regions: [us-east-1]\n",
      setup: () => {
        sim.world.denied.add("autoscaling:DescribeAutoScalingGroups");
        return () => sim.world.denied.delete("autoscaling:DescribeAutoScalingGroups");
      },
      code: ExitCode.remote,
      line: /^source asgs: autoscaling DescribeAutoScalingGroups \(us-east-1\) failed: HTTP 403: AccessDenied: User: arn:aws:iam::123456789012:user\/rollcall-sim is not authorized to perform: autoscaling:DescribeAutoScalingGroups \(request [0-9a-f-]{36}\)$/,
    },
    {
      name: "wrong access key in every region",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1, eu-west-1]\n    max_attempts: 1\n",
      env: () => ({ ...sim.sourceEnv, AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG0" }),
      code: ExitCode.remote,
      line: /^source aws#1: autoscaling DescribeAutoScalingGroups \(us-east-1\) failed: HTTP 403: InvalidClientTokenId: /,
    },
    {
      name: "nothing listening at the endpoint",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1]\n    endpoint_url: http://127.0.0.1:9\n    max_attempts: 1\n",
      code: ExitCode.remote,
      line: /^source aws#1: autoscaling DescribeAutoScalingGroups \(us-east-1\) failed: ECONNREFUSED: /,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const undo = c.setup?.();
      try {
        const out = await run(c.yaml, (c.env ?? env)());
        expect(out.code).toBe(c.code);
        expect(out.line).toMatch(c.line);
        expect(out.line).not.toContain("\n");
        expect(out.line).not.toContain(sim.env.AWS_SECRET_ACCESS_KEY);
      } finally {
        undo?.();
      }
    });
  }
});
