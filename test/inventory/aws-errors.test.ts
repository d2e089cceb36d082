// Bad inputs to the AWS source: each gives one line and a documented exit code (2 for what the
// user must fix before anything runs, 3 for a remote refusal). The harness walks the same path
// the CLI does: YAML with positions → schema → cacheIdentity → fetch → toHosts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { parseYaml, validate } from "../../src/config/yaml.js";
import { ExitCode, RemoteError, RollcallError, UsageError } from "../../src/errors.js";
import { awsSource, awsSourceSchema } from "../../src/inventory/sources/aws.js";
import { defaultAwsFleet } from "../../src/sim/aws/index.js";
import { startTestAwsSim, type TestAwsSim } from "../sim/aws/helpers.js";

const configSchema = z.strictObject({ sources: z.array(awsSourceSchema).min(1) });

let sim: TestAwsSim;
beforeAll(async () => {
  sim = await startTestAwsSim(defaultAwsFleet);
});
afterAll(() => sim.stop());

async function run(
  yaml: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number; line: string }> {
  try {
    const parsed = parseYaml(yaml, "inv.yml");
    if (!parsed.ok) throw new UsageError(parsed.issues);
    const checked = validate(configSchema, parsed.value);
    if (!checked.ok) throw new UsageError(checked.issues);
    const source = checked.value.sources[0]!;
    const ctx = { env, homeDir: "/nonexistent", note: () => {} };
    awsSource.cacheIdentity(source, ctx);
    try {
      awsSource.toHosts(await awsSource.fetch(source, ctx), source, ctx);
    } catch (err) {
      // What collect.ts does: name the failing source.
      throw err instanceof RemoteError ? err.withSource(source.name ?? "aws") : err;
    }
    return { code: 0, line: "" };
  } catch (err) {
    if (!(err instanceof RollcallError)) throw err;
    return { code: err.exitCode, line: err.message };
  }
}

/** The SDK's default chain reads process.env and ~/.aws on its own: point it at nothing. */
async function withoutAmbientCredentials<T>(fn: () => Promise<T>): Promise<T> {
  const keys = [
    "AWS_EC2_METADATA_DISABLED",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
  ];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
  });
  try {
    return await fn();
  } finally {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
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
    ambient?: boolean;
  }[] = [
    {
      name: "unknown region",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1, us-east1]\n",
      code: ExitCode.usage,
      line: /^inv\.yml:3:26: sources\.0\.regions\.1: unknown region "us-east1": expected a region code like us-east-1 \(did you mean "us-east-1"\?\)$/,
    },
    {
      name: "bad glob",
      yaml: "sources:\n  - type: aws\n    asg_names: 'kafka-['\n",
      code: ExitCode.usage,
      line: /^inv\.yml:3:16: sources\.0\.asg_names: bad glob "kafka-\[": Missing closing/,
    },
    {
      name: "misspelt option",
      yaml: "sources:\n  - type: aws\n    asg_name: kafka-*\n",
      code: ExitCode.usage,
      line: /^inv\.yml:3:5: unknown option "asg_name" in sources\.0 \(did you mean "asg_names"\?\)$/,
    },
    {
      name: "wrong type",
      yaml: "sources:\n  - type: aws\n    concurrency: lots\n",
      code: ExitCode.usage,
      line: /^inv\.yml:3:18: sources\.0\.concurrency: expected a number, got the string "lots"$/,
    },
    {
      name: "malformed YAML",
      yaml: "sources:\n  - type: aws\n   regions: [us-east-1\n",
      code: ExitCode.usage,
      line: /^inv\.yml:\d+:\d+: invalid YAML: /,
    },
    {
      name: "no region anywhere",
      yaml: "sources:\n  - type: aws\n",
      env: () => ({ ...sim.sourceEnv, AWS_REGION: undefined }),
      code: ExitCode.usage,
      line: /^source aws: no region: set regions: in the source, or AWS_REGION$/,
    },
    {
      name: "no credentials",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1]\n",
      env: () => ({ AWS_ENDPOINT_URL: sim.url }),
      ambient: true,
      code: ExitCode.usage,
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
      line: /^source aws: autoscaling DescribeAutoScalingGroups \(us-east-1\) failed: HTTP 403: InvalidClientTokenId: /,
    },
    {
      name: "nothing listening at the endpoint",
      yaml: "sources:\n  - type: aws\n    regions: [us-east-1]\n    endpoint_url: http://127.0.0.1:9\n    max_attempts: 1\n",
      code: ExitCode.remote,
      line: /^source aws: autoscaling DescribeAutoScalingGroups \(us-east-1\) failed: ECONNREFUSED: /,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const undo = c.setup?.();
      try {
        const exec = () => run(c.yaml, (c.env ?? env)());
        const out = c.ambient ? await withoutAmbientCredentials(exec) : await exec();
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
