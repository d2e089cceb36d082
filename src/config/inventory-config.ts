// The inventory config file (`-c FILE`, `-i FILE`, ROLLCALL_CONFIG): which sources to read and
// how to shape hosts and groups. Every option is documented in inventories/spotinst.example.yml.
import { z } from "zod";
import { InputError } from "../errors.js";
import { awsSourceSchema } from "./aws-source.js";
import { cacheConfigSchema } from "./cache-config.js";
import { ownRecord, readYamlFile, validate, type YamlSource } from "./yaml.js";

const globList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (typeof v === "string" ? [v] : v));

const stateName = z.enum([
  "ACTIVE",
  "PAUSE",
  "PAUSING",
  "PAUSED",
  "RESUME",
  "RESUMING",
  "RECYCLE",
  "RECYCLING",
  "DEALLOCATE",
  "DEALLOCATING",
  "DEALLOCATED",
  "ERROR",
]);

export const spotinstSourceSchema = z.strictObject({
  type: z.literal("spotinst"),
  /** Shown in errors and used to tell sources apart in the cache. */
  name: z.string().min(1).optional(),
  account_id: z.string().regex(/^act-/, 'must start with "act-"').optional(),
  token: z.string().min(1).optional(),
  api_url: z.url({ protocol: /^https?$/ }).optional(),
  groups: z
    .strictObject({
      include: globList.default(["*"]),
      exclude: globList.default([]),
    })
    .default({ include: ["*"], exclude: [] }),
  /** Stateful instance states to include. */
  states: z.array(stateName).min(1).default(["ACTIVE"]),
  /** A stateful instance without a private IP (paused, deallocated): skip it, or keep it named by id. */
  without_ip: z.enum(["skip", "keep"]).default("skip"),
  /** Include instances of non-stateful groups (from /status). */
  include_stateless: z.boolean().default(true),
  /** Concurrent API requests; the rate-limit headers pace them, so more only helps below the limit. */
  concurrency: z.int().min(1).max(32).default(4),
  /** Request timeout, seconds. */
  timeout: z.number().positive().max(600).default(30),
  /** The whole fetch must end within this many seconds, rate-limit waits included. */
  deadline: z.number().positive().max(86_400).default(120),
  /** Retries of a request that failed (5xx, timeouts, network errors), with exponential backoff. 429s wait for their Reset instead. */
  retry: z
    .strictObject({
      /** Attempts in total, the first included (429s not counted). */
      attempts: z.int().min(1).max(20).default(6),
      /** Give up on one request once this many seconds have passed since its first attempt. */
      max_time: z.number().positive().max(3600).default(120),
    })
    .default({ attempts: 6, max_time: 120 }),
  /** A failure of this source is a warning instead of an error. */
  optional: z.boolean().default(false),
});

export const staticSourceSchema = z.strictObject({
  type: z.literal("static"),
  name: z.string().min(1).optional(),
  /** Host name → vars. */
  hosts: ownRecord(ownRecord(z.unknown()).nullable()),
  /** Group name → host names. */
  groups: ownRecord(z.array(z.string())).default({}),
  optional: z.boolean().default(false),
});

const keyedGroupSchema = z.strictObject({
  /**
   * A hostvar name, `tags.<Key>` for a tag of the group (Spotinst) or instance (EC2), or an
   * expression over the host's vars (`ec2_tags['aws:autoscaling:groupName']`, see docs/templates.md).
   */
  key: z.string().min(1),
  prefix: z.string().default(""),
  separator: z.string().default("_"),
  parent_group: z.string().optional(),
  default_value: z.string().optional(),
});

export const hostnameKeys = [
  "private-ip",
  "public-ip",
  "private-dns",
  "public-dns",
  "instance-id",
  "ssi-id",
] as const;

const hostnameSchema = z.union([z.enum(hostnameKeys), z.string().regex(/^tag:.+/, "expected tag:<Key>")]);

export const inventoryConfigSchema = z.strictObject({
  sources: z
    .array(z.discriminatedUnion("type", [spotinstSourceSchema, awsSourceSchema, staticSourceSchema]))
    .min(1),
  hostnames: z.array(hostnameSchema).min(1).default(["private-ip", "instance-id", "ssi-id"]),
  sanitize_group_names: z.boolean().default(false),
  /** Add parent groups `elastigroups` / `autoscaling_groups` over the per-group groups. */
  parent_groups: z.boolean().default(true),
  keyed_groups: z.array(keyedGroupSchema).default([]),
  /** Extra hostvars: name → template (Handlebars or Jinja) over the host's vars; a literal is fine. */
  compose: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  cache: cacheConfigSchema,
  /** Sections other commands read (validated by them). */
  roster: z.record(z.string(), z.unknown()).optional(),
  watch: z.record(z.string(), z.unknown()).optional(),
});

export type InventoryConfig = z.output<typeof inventoryConfigSchema>;
export type SpotinstSourceConfig = z.output<typeof spotinstSourceSchema>;
export type { AwsSourceConfig } from "./aws-source.js";
export type StaticSourceConfig = z.output<typeof staticSourceSchema>;
export type SourceConfig = InventoryConfig["sources"][number];
export type KeyedGroup = z.output<typeof keyedGroupSchema>;

export interface LoadedConfig {
  file: string;
  config: InventoryConfig;
  yaml: YamlSource;
}

export async function loadInventoryConfig(file: string): Promise<LoadedConfig> {
  const parsed = await readYamlFile(file);
  if (!parsed.ok) throw new InputError(parsed.issues);
  if (parsed.value.value === null || parsed.value.value === undefined) {
    throw new InputError([
      { message: "empty config: expected a mapping with a sources: list", at: { file, line: 1, col: 1 } },
    ]);
  }
  const checked = validate(inventoryConfigSchema, parsed.value);
  if (!checked.ok) throw new InputError(checked.issues);
  return { file, config: checked.value, yaml: parsed.value };
}

export function sourceLabel(source: SourceConfig, index: number): string {
  return source.name ?? `${source.type}#${index + 1}`;
}
