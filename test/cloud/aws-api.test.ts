// The AWS seam (createAwsApi) against the simulator: paging, batching, retries, error wrapping.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsApi, createAwsApi } from "../../src/cloud/aws/api.js";
import { wrapAwsError } from "../../src/cloud/aws/errors.js";
import { ExitCode, RemoteError, SetupError } from "../../src/errors.js";
import { generateAwsFleet } from "../../src/sim/aws/index.js";
import { startTestAwsSim, type TestAwsSim } from "../sim/aws/helpers.js";

let sim: TestAwsSim;
let api: AwsApi;

beforeAll(async () => {
  // 7 groups × 33 instances: several pages of groups (page size 3) and 3 DescribeInstances batches.
  sim = await startTestAwsSim({
    ...generateAwsFleet({ asgs: 7, instancesPerAsg: 33 }),
    regions: ["us-east-1", "us-west-2"],
    page_size: 3,
  });
  api = await createAwsApi(settings());
});
afterAll(async () => {
  api.destroy();
  await sim.stop();
});

function settings(over: Record<string, unknown> = {}) {
  return {
    region: "us-east-1",
    endpoints: { default: sim.url },
    credentials: { accessKeyId: sim.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sim.env.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 4,
    ...over,
  };
}

describe("createAwsApi", () => {
  it("follows NextToken across many pages of groups", async () => {
    const groups = await api.describeAutoScalingGroups();
    expect(groups.map((g) => g.name)).toEqual(["bench-0000", "bench-0002", "bench-0004", "bench-0006"]);
    expect(groups.every((g) => g.instances.length === 33)).toBe(true);
    const named = await api.describeAutoScalingGroups({ names: ["bench-0002", "bench-0006"] });
    expect(named.map((g) => g.name)).toEqual(["bench-0002", "bench-0006"]);
    const tagged = await api.describeAutoScalingGroups({
      filters: [{ name: "tag:Role", values: ["role-4"] }],
    });
    expect(tagged.map((g) => g.name)).toEqual(["bench-0004"]);
  });

  it("describes instances by id in batches, following pages inside each batch", async () => {
    const groups = await api.describeAutoScalingGroups();
    const ids = groups.flatMap((g) => g.instances.map((i) => i.instanceId));
    expect(ids).toHaveLength(132);
    const found = await api.describeInstances(ids);
    expect(found.map((i) => i.instanceId).sort()).toEqual([...ids].sort());
    expect(found[0]).toMatchObject({ state: "running", privateIpAddress: expect.stringMatching(/^127\./) });
    expect(found[0]!.tags?.["aws:autoscaling:groupName"]).toMatch(/^bench-/);
  });

  it("ignores vanished ids when asked, and fails on them otherwise", async () => {
    const [g] = await api.describeAutoScalingGroups({ names: ["bench-0000"] });
    const ids = [g!.instances[0]!.instanceId, "i-0fffffffffffffff0"];
    expect((await api.describeInstances(ids, { ignoreMissing: true })).map((i) => i.instanceId)).toEqual([
      ids[0],
    ]);
    const err = await api.describeInstances(ids).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).data).toMatchObject({
      service: "ec2",
      operation: "DescribeInstances (us-east-1)",
      status: 400,
      code: "InvalidInstanceID.NotFound",
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("reads tags with DescribeTags, and resolves launch template aliases", async () => {
    const [g] = await api.describeAutoScalingGroups({ names: ["bench-0000"] });
    const ids = g!.instances.map((i) => i.instanceId);
    const tags = await api.describeTags(ids);
    expect(Object.keys(tags).sort()).toEqual([...ids].sort());
    expect(tags[ids[0]!]).toMatchObject({ Role: "role-0" });
    const [latest] = await api.describeLaunchTemplateVersions({ id: g!.launchTemplate!.id }, ["$Latest"]);
    expect(latest).toMatchObject({ versionNumber: 2, defaultVersion: false });
  });

  it("retries throttling with the SDK's strategy, then gives up with a RemoteError", async () => {
    sim.shared.faults.inject("throttle", 2, "autoscaling:DescribeAutoScalingGroups");
    expect(await api.describeAutoScalingGroups({ names: ["bench-0000"] })).toHaveLength(1);

    const once = await createAwsApi(settings({ maxAttempts: 1 }));
    sim.shared.faults.inject("throttle", 1, "ec2:DescribeTags");
    const err = await once.describeTags(["i-00000000000000001"]).catch((e: unknown) => e);
    once.destroy();
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).exitCode).toBe(ExitCode.remote);
    expect((err as RemoteError).message).toMatch(
      /^ec2 DescribeTags \(us-east-1\) failed: HTTP 503: RequestLimitExceeded: Request limit exceeded\. \(request [0-9a-f-]{36}\)$/,
    );
  });

  it("aborts a hung request at the timeout and retries it", async () => {
    const quick = await createAwsApi(settings({ timeoutMs: 300 }));
    sim.shared.faults.inject("hang", 1, "autoscaling:DescribeAutoScalingGroups");
    expect(await quick.describeAutoScalingGroups({ names: ["bench-0002"] })).toHaveLength(1);
    quick.destroy();
  });

  it("drives the write operations used by recycles and lifecycle handlers", async () => {
    const [g] = await api.describeAutoScalingGroups({ names: ["bench-0004"] });
    await api.setDesiredCapacity("bench-0004", 34);
    await api.createOrUpdateTags("bench-0004", [{ key: "rollcall:original-desired", value: "33" }]);
    const activity = await api.terminateInstanceInAutoScalingGroup(g!.instances[0]!.instanceId, true);
    expect(activity).toMatchObject({ asgName: "bench-0004", statusCode: "InProgress" });
    const [after] = await api.describeAutoScalingGroups({ names: ["bench-0004"] });
    expect(after!.desiredCapacity).toBe(33);
    expect(after!.tags.find((t) => t.key === "rollcall:original-desired")?.value).toBe("33");
    const members = await api.describeAutoScalingInstances([g!.instances[1]!.instanceId]);
    expect(members[0]).toMatchObject({ autoScalingGroupName: "bench-0004", healthStatus: "Healthy" });
    expect(await api.describeLifecycleHooks("bench-0004")).toEqual([]);
    await expect(
      api.completeLifecycleAction({
        asgName: "bench-0004",
        hookName: "none",
        instanceId: g!.instances[1]!.instanceId,
        result: "CONTINUE",
      }),
    ).rejects.toMatchObject({ data: { code: "ValidationError", service: "autoscaling" } });
  });
});

describe("wrapAwsError", () => {
  it("redacts secrets and keeps one line", () => {
    const err = Object.assign(new Error("bad key wJalrXUtnFEMI/K7MDENG\nsecond line"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403, requestId: "req-1" },
    });
    const wrapped = wrapAwsError(err, { service: "autoscaling", operation: "SetDesiredCapacity" }, [
      "wJalrXUtnFEMI/K7MDENG",
    ]);
    expect(wrapped.message).toBe(
      "autoscaling SetDesiredCapacity failed: HTTP 403: AccessDenied: bad key [REDACTED] (request req-1)",
    );
  });

  it("says plainly when the answer was not AWS's (a proxy's 502 page)", () => {
    const err = Object.assign(new Error("Unknown"), { name: "Unknown", $metadata: { httpStatusCode: 502 } });
    expect(
      wrapAwsError(err, {
        service: "autoscaling",
        operation: "DescribeAutoScalingGroups",
        region: "us-east-1",
      }).message,
    ).toBe(
      "autoscaling DescribeAutoScalingGroups (us-east-1) failed: HTTP 502: the answer is not an AWS error (a proxy or load balancer in the way?)",
    );
  });

  it("turns a missing credential chain into a setup error (exit 1), and a refused connection into a remote one", () => {
    const creds = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(wrapAwsError(creds, { service: "ec2", operation: "DescribeInstances" })).toBeInstanceOf(
      SetupError,
    );
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(
      wrapAwsError(refused, { service: "ec2", operation: "DescribeInstances", region: "us-east-1" }).message,
    ).toBe("ec2 DescribeInstances (us-east-1) failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1");
  });
});

describe("lazy loading", () => {
  // A cache hit must not pay for the SDK: only the fetch path may load it, and only dynamically.
  it("keeps the SDK and the client seam out of the source's static imports", async () => {
    for (const file of [
      "src/inventory/sources/aws.ts",
      "src/inventory/sources/aws-map.ts",
      "src/config/aws-source.ts",
      "src/cloud/aws/convert.ts",
    ]) {
      const text = await readFile(file, "utf8");
      const staticImports = text.match(/^import (?!type ).*from "[^"]+";$/gm) ?? [];
      expect(
        staticImports.filter((l) => /@aws-sdk|aws-api\.js|aws-credentials\.js/.test(l)),
        file,
      ).toEqual([]);
    }
  });
});
