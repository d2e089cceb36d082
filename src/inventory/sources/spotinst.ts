// Spotinst Elastigroups as an inventory source. Output is compatible with the spotinst_esg
// plugin (host = private IP, hostvars `spotinst_<field>` in the API's casing, groups by group id
// and by group name), minus its bugs: bounded concurrency, retries, no crash on paused SSIs.
import { join } from "node:path";
import type { SpotinstGroup, SpotinstGroupInstance, StatefulInstance } from "../../cloud/spotinst/types.js";
import type { SpotinstSourceConfig } from "../../config/inventory-config.js";
import { formatIssue, SetupError } from "../../errors.js";
import { globMatcher } from "../glob.js";
import type { HostRecord, Vars } from "../model.js";
import { checkGroupInstances, checkGroups, checkStatefulInstances } from "./spotinst-check.js";
import type { InventorySource, SourceContext } from "./types.js";

/** What is cached: only the fields the mapping reads, so the cache file stays small. */
export interface SpotinstRaw {
  accountId: string;
  groups: RawGroup[];
}

export interface RawGroup {
  id: string;
  name: string;
  region?: string;
  tags: Record<string, string>;
  persistRootVolume: boolean;
  persistPrivateIp: boolean;
  stateful: StatefulInstance[];
  /** Instances from /status; only fetched for groups without stateful instances. */
  instances: SpotinstGroupInstance[];
}

export const DEFAULT_SPOTINST_URL = "https://api.spotinst.io";

async function resolveCredentials(config: SpotinstSourceConfig, ctx: SourceContext) {
  const { resolveSpotinstCredentials } = await import("../../cloud/spotinst/credentials.js");
  const resolved = await resolveSpotinstCredentials({
    config: { token: config.token, accountId: config.account_id },
    env: ctx.env,
    homeDir: ctx.homeDir,
  });
  if (!resolved.ok) throw new SetupError(resolved.issues.map(formatIssue).join("; "));
  return resolved.value;
}

function apiUrlOf(config: SpotinstSourceConfig, ctx: SourceContext): string {
  return (config.api_url ?? ctx.env.SPOTINST_API_URL ?? DEFAULT_SPOTINST_URL).replace(/\/+$/, "");
}

export const spotinstSource: InventorySource<SpotinstSourceConfig, SpotinstRaw> = {
  type: "spotinst",

  async cacheIdentity(config, ctx) {
    const { accountId } = await resolveCredentials(config, ctx);
    return {
      apiUrl: apiUrlOf(config, ctx),
      accountId,
      include: config.groups.include,
      exclude: config.groups.exclude,
      stateless: config.include_stateless,
    };
  },

  identityFiles(_config, ctx) {
    // The file resolveSpotinstCredentials falls back to (cloud/spotinst/credentials.ts).
    const explicit =
      ctx.env.SPOTINST_CREDENTIALS_FILE?.trim() || ctx.env.SPOTINST_SHARED_CREDENTIALS_FILE?.trim();
    return [explicit || join(ctx.homeDir, ".spotinst", "credentials")];
  },

  async fetch(config, ctx) {
    const credentials = await resolveCredentials(config, ctx);
    ctx.note({
      level: "verbose",
      message: `spotinst: token from ${credentials.tokenFrom}, account ${credentials.accountId} from ${credentials.accountFrom}`,
    });
    const { createSpotinstApi, describeRateLimitWait } = await import("../../cloud/spotinst/api.js");
    const end = Date.now() + config.deadline * 1000;
    const maxTime = config.retry.max_time * 1000;
    // Every call ends by the fetch's deadline, and a single request by retry.max_time.
    const call = () => {
      const own = Date.now() + maxTime;
      return own < end
        ? { deadlineAt: own, deadlineName: `retry.max_time (${config.retry.max_time} s)` }
        : {
            deadlineAt: end,
            deadlineName: `the inventory deadline (${config.deadline} s, \`deadline\` in the source config)`,
          };
    };
    const api = createSpotinstApi({
      baseUrl: apiUrlOf(config, ctx),
      credentials: { token: credentials.token, accountId: credentials.accountId },
      timeoutMs: config.timeout * 1000,
      concurrency: config.concurrency,
      signal: ctx.signal,
      retry: { maxAttempts: config.retry.attempts, maxElapsedMs: maxTime },
      onRetry: (i) =>
        ctx.note({
          level: "verbose",
          message: `spotinst: retrying ${i.operation} (${i.reason}; attempt ${i.attempt}/${i.maxAttempts}, waiting ${i.delayMs} ms)`,
        }),
      onRateLimitWait: (w) =>
        ctx.note({ level: "verbose", message: `spotinst: ${describeRateLimitWait(w)}`, waitMs: w.waitMs }),
    });
    const selected = selectGroups(checkGroups(await api.listGroups(call())), config);
    // One request per group (two for stateless groups); the client bounds concurrency and paces
    // the shared …/statefulInstance route by its rate-limit headers.
    const groups = await Promise.all(
      selected.map(async (g): Promise<RawGroup> => {
        const stateful = checkStatefulInstances(await api.listStatefulInstances(g.id, call()), g.id);
        const instances =
          stateful.length === 0 && config.include_stateless
            ? checkGroupInstances(await api.getGroupStatus(g.id, call()), g.id)
            : [];
        return toRawGroup(g, stateful, instances);
      }),
    );
    return { accountId: credentials.accountId, groups };
  },

  toHosts(raw, config, ctx) {
    const hosts: HostRecord[] = [];
    const states = new Set<string>(config.states);
    for (const group of raw.groups) {
      for (const ssi of group.stateful) {
        if (!states.has(ssi.state)) {
          ctx.note({ level: "verbose", message: `skipping ${ssi.id} in ${group.id}: state ${ssi.state}` });
          continue;
        }
        if (!ssi.privateIp && config.without_ip === "skip") {
          ctx.note({
            level: "verbose",
            message: `skipping ${ssi.id} in ${group.id}: no private IP (${ssi.state})`,
          });
          continue;
        }
        hosts.push(toHost(ssi, group, raw.accountId, config));
      }
      for (const inst of group.instances) {
        if (!inst.instanceId) {
          ctx.note({
            level: "verbose",
            message: `skipping an instance of ${group.id} with no instance id yet`,
          });
          continue;
        }
        if (!inst.privateIp && config.without_ip === "skip") {
          ctx.note({
            level: "verbose",
            message: `skipping ${inst.instanceId} in ${group.id}: no private IP`,
          });
          continue;
        }
        hosts.push(toHost(inst, group, raw.accountId, config));
      }
    }
    return hosts;
  },
};

export function selectGroups(groups: SpotinstGroup[], config: SpotinstSourceConfig): SpotinstGroup[] {
  const include = globMatcher(config.groups.include);
  const exclude = config.groups.exclude.length > 0 ? globMatcher(config.groups.exclude) : () => false;
  return groups.filter((g) => (include(g.id) || include(g.name)) && !(exclude(g.id) || exclude(g.name)));
}

function toRawGroup(
  g: SpotinstGroup,
  stateful: StatefulInstance[],
  instances: SpotinstGroupInstance[],
): RawGroup {
  // Own properties: a tag named "__proto__" is a tag, not the object's prototype.
  const tags: Record<string, string> = Object.fromEntries(
    (g.compute?.launchSpecification?.tags ?? []).map((t) => [t.tagKey, t.tagValue]),
  );
  const persistence = g.strategy?.persistence;
  return {
    id: g.id,
    name: g.name,
    region: g.region,
    tags,
    persistRootVolume: persistence?.shouldPersistRootDevice === true,
    persistPrivateIp: persistence?.shouldPersistPrivateIp === true,
    stateful,
    instances,
  };
}

/** `spotinst_<field>` for every field, plus the account and group the instance belongs to. */
function hostVars(record: object, group: RawGroup, accountId: string): Vars {
  const vars: Vars = {};
  for (const k in record) vars[`spotinst_${k}`] = (record as Record<string, unknown>)[k];
  vars.spotinst_accountId = accountId;
  vars.spotinst_esg_id = group.id;
  vars.spotinst_esg_name = group.name;
  if (group.region !== undefined) vars.spotinst_esg_region = group.region;
  return vars;
}

function groupRefs(group: RawGroup) {
  return [
    { name: group.id, parent: "elastigroups" },
    { name: group.name, parent: "elastigroups" },
  ];
}

/** A stateful instance (SSI) or a plain group instance from /status, as a HostRecord. */
function toHost(
  inst: StatefulInstance | SpotinstGroupInstance,
  group: RawGroup,
  accountId: string,
  config: SpotinstSourceConfig,
): HostRecord {
  const ssi = "state" in inst ? inst : undefined;
  return {
    id: ssi ? ssi.id : (inst as SpotinstGroupInstance).instanceId,
    source: config.name ?? "spotinst",
    names: {
      "private-ip": inst.privateIp ?? undefined,
      "public-ip": ssi ? undefined : ((inst as SpotinstGroupInstance).publicIp ?? undefined),
      "instance-id": inst.instanceId ?? undefined,
      "ssi-id": ssi?.id,
    },
    address: inst.privateIp ?? undefined,
    vars: hostVars(inst, group, accountId),
    groups: groupRefs(group),
    tags: group.tags,
    launchedAt: (ssi?.launchedAt ?? inst.createdAt) || undefined,
  };
}
