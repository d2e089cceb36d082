// The one seam over the AWS SDK v3 (EC2 + Auto Scaling). The SDK is imported lazily, so an
// inventory served from the cache never loads it. Region, endpoint and credentials are passed
// in explicitly; retries use the SDK's own strategy; every SDK error leaves as a RemoteError.
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client, EC2ClientConfig } from "@aws-sdk/client-ec2";
import pLimit from "p-limit";
import { createActions } from "./api-actions.js";
import { toAsgGroup, toAsgMember, toEc2Instance, toTemplateVersion } from "./convert.js";
import { resolveAssumeRoleCredentials } from "./credentials.js";
import { wrapAwsError } from "./errors.js";
import type {
  AsgActivity,
  AsgGroup,
  AsgMember,
  Ec2Filter,
  Ec2Instance,
  LaunchTemplateVersionInfo,
  LifecycleHookInfo,
} from "./types.js";

export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsApiSettings {
  region: string;
  /** Per-service endpoint overrides (AWS_ENDPOINT_URL_EC2 …); `default` for all (AWS_ENDPOINT_URL). */
  endpoints?: { default?: string; ec2?: string; autoscaling?: string; sts?: string };
  /** A named profile from ~/.aws/config; otherwise `credentials`, otherwise the SDK's default chain. */
  profile?: string;
  credentials?: AwsStaticCredentials;
  /** Assume this role (STS) on top of the base credentials; kept for the client's lifetime. */
  assumeRoleArn?: string;
  roleSessionName?: string;
  /** Total attempts per request, including the first (SDK default 3). */
  maxAttempts?: number;
  retryMode?: "standard" | "adaptive";
  /** Per-request timeout; a hung request is aborted and retried. */
  timeoutMs?: number;
  /** Requests in flight at once for batched calls (default 4). */
  concurrency?: number;
}

export interface AwsApi {
  readonly region: string;
  describeAutoScalingGroups(input?: { names?: string[]; filters?: Ec2Filter[] }): Promise<AsgGroup[]>;
  describeAutoScalingInstances(instanceIds: string[]): Promise<AsgMember[]>;
  /**
   * By id; batched, so any number of ids is fine. Unknown ids fail (InvalidInstanceID.NotFound)
   * unless `ignoreMissing`, which asks through the `instance-id` filter instead.
   */
  describeInstances(instanceIds: string[], options?: { ignoreMissing?: boolean }): Promise<Ec2Instance[]>;
  describeInstancesByFilters(filters: Ec2Filter[]): Promise<Ec2Instance[]>;
  /** Instance id → tags, from DescribeTags (batched resource-id filters). */
  describeTags(resourceIds: string[]): Promise<Record<string, Record<string, string>>>;
  describeLaunchTemplateVersions(
    template: { id?: string; name?: string },
    versions: string[],
  ): Promise<LaunchTemplateVersionInfo[]>;
  terminateInstances(
    instanceIds: string[],
  ): Promise<{ instanceId: string; previousState?: string; currentState?: string }[]>;
  terminateInstanceInAutoScalingGroup(
    instanceId: string,
    shouldDecrementDesiredCapacity: boolean,
  ): Promise<AsgActivity | undefined>;
  setDesiredCapacity(asgName: string, desiredCapacity: number, honorCooldown?: boolean): Promise<void>;
  createOrUpdateTags(
    asgName: string,
    tags: { key: string; value: string; propagateAtLaunch?: boolean }[],
  ): Promise<void>;
  deleteTags(asgName: string, keys: string[]): Promise<void>;
  /** The group's instance refreshes, newest first (status Pending/InProgress/… = one is active). */
  describeInstanceRefreshes(
    asgName: string,
  ): Promise<{ id: string; status: string; statusReason?: string }[]>;
  describeLifecycleHooks(asgName: string, hookNames?: string[]): Promise<LifecycleHookInfo[]>;
  completeLifecycleAction(input: LifecycleActionRef & { result: "CONTINUE" | "ABANDON" }): Promise<void>;
  recordLifecycleActionHeartbeat(input: LifecycleActionRef): Promise<void>;
  /** Close the clients' sockets. */
  destroy(): void;
}

export interface LifecycleActionRef {
  asgName: string;
  hookName: string;
  token?: string;
  instanceId?: string;
}

/** Ids per DescribeInstances / DescribeTags / DescribeAutoScalingInstances request. */
export const BATCH = { describeInstances: 100, describeTags: 100, describeAutoScalingInstances: 50 } as const;

// No `info`/`error`: the SDK's logger middleware then skips building a redacted copy of every
// response (a measurable cost on 10,000-instance inventories). Nothing is ever logged.
const quietLogger = { trace() {}, debug() {}, warn() {} } as unknown as EC2ClientConfig["logger"];

// One piece (≈190 lines, ≈60 of its own): client set-up, then a table of short methods that
// share the clients and the error mapping of `call`.
export async function createAwsApi(settings: AwsApiSettings): Promise<AwsApi> {
  const [ec2Sdk, asgSdk] = await Promise.all([
    import("@aws-sdk/client-ec2"),
    import("@aws-sdk/client-auto-scaling"),
  ]);
  const secrets = [settings.credentials?.secretAccessKey, settings.credentials?.sessionToken];
  const common = {
    region: settings.region,
    profile: settings.profile,
    maxAttempts: settings.maxAttempts ?? 5,
    retryMode: settings.retryMode ?? "standard",
    logger: quietLogger,
    requestHandler: {
      requestTimeout: settings.timeoutMs ?? 30_000,
      connectionTimeout: Math.min(settings.timeoutMs ?? 30_000, 10_000),
      throwOnRequestTimeout: true,
      logger: quietLogger,
    },
  };
  const endpoints = settings.endpoints ?? {};
  const credentials = settings.assumeRoleArn
    ? await resolveAssumeRoleCredentials(
        { ...common, endpoint: endpoints.sts ?? endpoints.default },
        settings,
        secrets,
      )
    : settings.credentials;
  const ec2: EC2Client = new ec2Sdk.EC2Client({
    ...common,
    credentials,
    endpoint: endpoints.ec2 ?? endpoints.default,
  });
  const asg: AutoScalingClient = new asgSdk.AutoScalingClient({
    ...common,
    credentials,
    endpoint: endpoints.autoscaling ?? endpoints.default,
  });

  const call = async <T>(
    service: "ec2" | "autoscaling",
    operation: string,
    run: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw wrapAwsError(err, { service, operation, region: settings.region }, secrets);
    }
  };

  /** Follow NextToken to the end; a token that repeats would loop forever, so it is an error. */
  const pages = async <P extends { NextToken?: string }>(
    service: "ec2" | "autoscaling",
    operation: string,
    fetchPage: (token: string | undefined) => Promise<P>,
  ): Promise<P[]> => {
    const out: P[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await call(service, operation, () => fetchPage(token));
      out.push(page);
      token = page.NextToken || undefined;
      if (token && seen.has(token)) {
        throw wrapAwsError(new Error(`pagination token repeated: ${token.slice(0, 16)}…`), {
          service,
          operation,
          region: settings.region,
        });
      }
      if (token) seen.add(token);
    } while (token);
    return out;
  };

  const limit = pLimit(settings.concurrency ?? 4);
  /** Run `fn` over batches of `items`, `concurrency` at a time, results in batch order. */
  const batched = async <T, R>(
    items: readonly T[],
    size: number,
    fn: (batch: T[]) => Promise<R[]>,
  ): Promise<R[]> => {
    const batches: T[][] = [];
    for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
    return (await Promise.all(batches.map((b) => limit(() => fn(b))))).flat();
  };

  const describeInstancesWith = async (input: {
    InstanceIds?: string[];
    Filters?: { Name: string; Values: string[] }[];
    MaxResults?: number;
  }) => {
    const all = await pages("ec2", "DescribeInstances", (NextToken) =>
      ec2.send(new ec2Sdk.DescribeInstancesCommand({ ...input, NextToken })),
    );
    return all.flatMap((p) => (p.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map(toEc2Instance)));
  };

  return {
    region: settings.region,

    async describeAutoScalingGroups(input = {}) {
      const Filters = input.filters?.map((f) => ({ Name: f.name, Values: f.values }));
      const fetchGroups = async (names: string[] | undefined) => {
        const all = await pages("autoscaling", "DescribeAutoScalingGroups", (NextToken) =>
          asg.send(
            new asgSdk.DescribeAutoScalingGroupsCommand({
              AutoScalingGroupNames: names,
              Filters,
              NextToken,
              MaxRecords: 100,
            }),
          ),
        );
        return all.flatMap((p) => (p.AutoScalingGroups ?? []).map(toAsgGroup));
      };
      const names = input.names ?? [];
      // The API takes many names per call, but small batches keep pages predictable.
      return names.length > 0 ? batched(names, 50, fetchGroups) : fetchGroups(undefined);
    },

    async describeAutoScalingInstances(instanceIds) {
      return batched(instanceIds, BATCH.describeAutoScalingInstances, async (batch) => {
        const all = await pages("autoscaling", "DescribeAutoScalingInstances", (NextToken) =>
          asg.send(
            new asgSdk.DescribeAutoScalingInstancesCommand({ InstanceIds: batch, NextToken, MaxRecords: 50 }),
          ),
        );
        return all.flatMap((p) => (p.AutoScalingInstances ?? []).map(toAsgMember));
      });
    },

    describeInstances(instanceIds, options = {}) {
      return batched(instanceIds, BATCH.describeInstances, (batch) =>
        options.ignoreMissing
          ? describeInstancesWith({ Filters: [{ Name: "instance-id", Values: batch }], MaxResults: 1000 })
          : describeInstancesWith({ InstanceIds: batch }),
      );
    },

    describeInstancesByFilters(filters) {
      return describeInstancesWith({ Filters: filters.map((f) => ({ Name: f.name, Values: f.values })) });
    },

    async describeTags(resourceIds) {
      const out: Record<string, Record<string, string>> = {};
      const tags = await batched(resourceIds, BATCH.describeTags, async (batch) => {
        const all = await pages("ec2", "DescribeTags", (NextToken) =>
          ec2.send(
            new ec2Sdk.DescribeTagsCommand({
              Filters: [
                { Name: "resource-type", Values: ["instance"] },
                { Name: "resource-id", Values: batch },
              ],
              MaxResults: 1000,
              NextToken,
            }),
          ),
        );
        return all.flatMap((p) => p.Tags ?? []);
      });
      for (const t of tags) {
        if (!t.ResourceId || t.Key === undefined) continue;
        const forInstance = out[t.ResourceId] ?? {};
        // Own property: a tag named "__proto__" is a tag, not the object's prototype.
        Object.defineProperty(forInstance, t.Key, {
          value: t.Value ?? "",
          enumerable: true,
          writable: true,
          configurable: true,
        });
        out[t.ResourceId] = forInstance;
      }
      return out;
    },

    async describeLaunchTemplateVersions(template, versions) {
      const all = await pages("ec2", "DescribeLaunchTemplateVersions", (NextToken) =>
        ec2.send(
          new ec2Sdk.DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: template.id,
            LaunchTemplateName: template.id ? undefined : template.name,
            Versions: versions.length > 0 ? versions : undefined,
            NextToken,
          }),
        ),
      );
      return all.flatMap((p) => (p.LaunchTemplateVersions ?? []).map(toTemplateVersion));
    },

    ...createActions({ ec2, asg, ec2Sdk, asgSdk, call }),

    destroy() {
      ec2.destroy();
      asg.destroy();
    },
  };
}
