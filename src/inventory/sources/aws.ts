// AWS Auto Scaling groups as an inventory source: ASG membership, lifecycle state and health from
// the Auto Scaling API, instance details from EC2 (tags from DescribeTags when DescribeInstances
// has none), launch template aliases resolved so `asg_outdated` is exact. Regions run in
// parallel; a region the account has not enabled is a warning unless `strict`.
import { createHash } from "node:crypto";
import type { AwsApi, AwsApiSettings } from "../../cloud/aws/api.js";
import { REGION_AUTH_CODES } from "../../cloud/aws/errors.js";
import type { AsgGroup, Ec2Filter, Ec2Instance } from "../../cloud/aws/types.js";
import type { AwsSourceConfig } from "../../config/aws-source.js";
import { InputError, RemoteError } from "../../errors.js";
import { mapAwsHosts, selectGroups, templateKey } from "./aws-map.js";
import type { InventorySource, SourceContext } from "./types.js";

export { type AwsSourceConfig, awsSourceSchema } from "../../config/aws-source.js";

/** What is cached: the raw API answers per region, so config changes apply on a cache hit. */
export interface AwsRaw {
  regions: AwsRegionRaw[];
}

export interface AwsRegionRaw {
  region: string;
  /** Set when the region was skipped (AuthFailure/OptInRequired and not strict). */
  skipped?: { code?: string; message: string };
  groups: AsgGroup[];
  /** Instance id → EC2 details (tags filled from DescribeTags where needed). */
  instances: Record<string, Ec2Instance>;
  /** templateKey(template, alias) → version number; absent when the template is gone. */
  templateVersions: Record<string, number>;
}

function regionsOf(config: AwsSourceConfig, ctx: SourceContext): string[] {
  if (config.regions.length > 0) return [...new Set(config.regions)];
  const region = ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InputError(`source ${label(config)}: no region: set regions: in the source, or AWS_REGION`);
  }
  return [region];
}

function label(config: AwsSourceConfig): string {
  return config.name ?? "aws";
}

function endpointsOf(
  config: AwsSourceConfig,
  env: SourceContext["env"],
): NonNullable<AwsApiSettings["endpoints"]> {
  const all = config.endpoint_url ?? env.AWS_ENDPOINT_URL;
  return {
    default: all,
    ec2: config.endpoint_url ?? env.AWS_ENDPOINT_URL_EC2 ?? all,
    autoscaling: config.endpoint_url ?? env.AWS_ENDPOINT_URL_AUTO_SCALING ?? all,
    sts: config.endpoint_url ?? env.AWS_ENDPOINT_URL_STS ?? all,
  };
}

/**
 * Credentials from ctx.env (not process.env) where we can: an explicit profile wins, then env
 * keys, then AWS_PROFILE; otherwise the SDK's own default chain (SSO, instance role…).
 */
function credentialsOf(
  config: AwsSourceConfig,
  env: SourceContext["env"],
): Pick<AwsApiSettings, "profile" | "credentials"> {
  if (config.profile) return { profile: config.profile };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN || undefined,
      },
    };
  }
  return { profile: env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || undefined };
}

export function awsApiSettings(config: AwsSourceConfig, ctx: SourceContext, region: string): AwsApiSettings {
  return {
    region,
    endpoints: endpointsOf(config, ctx.env),
    ...credentialsOf(config, ctx.env),
    assumeRoleArn: config.assume_role_arn,
    roleSessionName: config.role_session_name,
    maxAttempts: config.max_attempts,
    retryMode: config.retry_mode,
    timeoutMs: config.timeout * 1000,
    concurrency: config.concurrency,
  };
}

export const awsSource: InventorySource<AwsSourceConfig, AwsRaw> = {
  type: "aws",

  cacheIdentity(config, ctx) {
    const creds = credentialsOf(config, ctx.env);
    // Which account: the profile name or a digest of the access key id, never a secret.
    const who = creds.profile
      ? `profile:${creds.profile}`
      : creds.credentials
        ? `key:${createHash("sha256").update(creds.credentials.accessKeyId).digest("hex").slice(0, 16)}`
        : "default-chain";
    return {
      regions: regionsOf(config, ctx),
      endpoints: endpointsOf(config, ctx.env),
      who,
      role: config.assume_role_arn,
      names: config.asg_names,
      exclude: config.asg_exclude,
      tags: config.asg_tags,
    };
  },

  async fetch(config, ctx) {
    const regions = regionsOf(config, ctx);
    const { createAwsApi } = await import("../../cloud/aws/api.js");
    const results = await Promise.allSettled(
      regions.map(async (region) => {
        const api = await createAwsApi(awsApiSettings(config, ctx, region));
        try {
          return await fetchRegion(api, config, ctx);
        } finally {
          api.destroy();
        }
      }),
    );
    const out: AwsRegionRaw[] = [];
    const failures: unknown[] = [];
    for (const [i, r] of results.entries()) {
      const region = regions[i]!;
      if (r.status === "fulfilled") {
        out.push(r.value);
        continue;
      }
      const err = r.reason;
      if (config.strict || !(err instanceof RemoteError) || !REGION_AUTH_CODES.has(err.data.code ?? ""))
        throw err;
      ctx.note({
        level: "warn",
        message: `source ${label(config)}: skipping region ${region}: ${err.message}`,
      });
      failures.push(err);
      out.push({
        region,
        skipped: { code: err.data.code, message: err.message },
        groups: [],
        instances: {},
        templateVersions: {},
      });
    }
    // Every region refusing us is not "a region not enabled": it is bad credentials.
    if (failures.length === regions.length) throw failures[0];
    return { regions: out };
  },

  toHosts(raw, config, ctx) {
    return mapAwsHosts(raw, config, ctx);
  },
};

/** Server-side filters for `asg_tags`: exact values as tag:<Key>, "*" as tag-key. */
function tagFilters(config: AwsSourceConfig): Ec2Filter[] {
  return Object.entries(config.asg_tags).map(([key, v]) => {
    const values = typeof v === "string" ? [v] : v;
    return values.includes("*") ? { name: "tag-key", values: [key] } : { name: `tag:${key}`, values };
  });
}

const isLiteral = (glob: string) => !/[*?[\]{}()!+@]/.test(glob);

async function fetchRegion(api: AwsApi, config: AwsSourceConfig, ctx: SourceContext): Promise<AwsRegionRaw> {
  const literal = config.asg_names.every(isLiteral);
  const listed = await api.describeAutoScalingGroups({
    names: literal ? config.asg_names : undefined,
    filters: tagFilters(config),
  });
  const groups = selectGroups(listed, config);
  const ids = [...new Set(groups.flatMap((g) => g.instances.map((i) => i.instanceId)))];

  // The filter form never fails on an id that vanished between the two calls.
  const found = await api.describeInstances(ids, { ignoreMissing: true });
  const instances: Record<string, Ec2Instance> = Object.fromEntries(found.map((i) => [i.instanceId, i]));

  const untagged = found.filter((i) => !i.tags).map((i) => i.instanceId);
  if (untagged.length > 0) {
    ctx.note({
      level: "verbose",
      message: `${api.region}: ${untagged.length} instance(s) without tags in DescribeInstances; asking DescribeTags`,
    });
    const tags = await api.describeTags(untagged);
    for (const id of untagged) instances[id]!.tags = tags[id] ?? {};
  }

  return {
    region: api.region,
    groups,
    instances,
    templateVersions: await resolveAliases(api, groups, instances, ctx),
  };
}

/** Resolve every `$Latest`/`$Default` the mapping will need, one call per template and alias. */
async function resolveAliases(
  api: AwsApi,
  groups: AsgGroup[],
  instances: Record<string, Ec2Instance>,
  ctx: SourceContext,
): Promise<Record<string, number>> {
  const wanted = new Map<string, { id?: string; name?: string; alias: string }>();
  const want = (t: { id?: string; name?: string; version?: string } | undefined) => {
    if (!t?.version || /^\d+$/.test(t.version) || (!t.id && !t.name)) return;
    wanted.set(templateKey(t, t.version), { id: t.id, name: t.name, alias: t.version });
  };
  for (const g of groups) {
    want(g.launchTemplate);
    // Members reporting an alias need it only when EC2 did not tag the real version.
    for (const m of g.instances) {
      if (!instances[m.instanceId]?.tags?.["aws:ec2launchtemplate:version"]) want(m.launchTemplate);
    }
  }
  const out: Record<string, number> = {};
  await Promise.all(
    [...wanted].map(async ([key, t]) => {
      try {
        const [v] = await api.describeLaunchTemplateVersions({ id: t.id, name: t.name }, [t.alias]);
        if (v) out[key] = v.versionNumber;
      } catch (err) {
        const code = err instanceof RemoteError ? (err.data.code ?? "") : "";
        if (!code.startsWith("InvalidLaunchTemplate")) throw err;
        // A deleted template: asg_outdated becomes unknown for its members, not a failure.
        ctx.note({
          level: "warn",
          message: `${api.region}: launch template ${t.id ?? t.name} ${t.alias}: ${code}`,
        });
      }
    }),
  );
  return out;
}
