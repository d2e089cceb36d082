// The `watch:` section of a config file (`rollcall watch -c FILE`): which queue to read, which
// play runs for which event, and how hard to hold lifecycle actions. The same file may carry an
// inventory config (`sources:` …) for other commands; any other top-level key is an error.
import { z } from "zod";
import { InputError } from "../errors.js";
import { compileTemplate } from "../template/engine.js";
import { regionSchema } from "./aws-source.js";
import { inventoryConfigSchema } from "./inventory-config.js";
import { readYamlFile, validate } from "./yaml.js";

/** Vars from the config reach plays as data (like -e): a template in them would stay literal text. */
const dataVars = z.record(z.string(), z.unknown()).superRefine((vars, ctx) => {
  const walk = (v: unknown, path: (string | number)[]) => {
    if (typeof v === "string" && /\{\{|\{%/.test(v)) {
      ctx.addIssue({
        code: "custom",
        path,
        message: "vars here are values, not templates: put templates in the play's own vars",
      });
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...path, i]);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  for (const [k, v] of Object.entries(vars)) walk(v, [k]);
});

const playRef = z
  .union([
    z.string().min(1),
    z.strictObject({
      playbook: z.string().min(1),
      /** Extra vars for this play (over `watch.vars`, under the event's own vars). */
      vars: dataVars.default({}),
    }),
  ])
  .transform((v) => (typeof v === "string" ? { playbook: v, vars: {} } : v));

export const EVENT_KEYS = [
  "on_launch",
  "on_terminate",
  "on_launched",
  "on_terminated",
  "on_interruption",
  "on_rebalance",
] as const;

export type EventKey = (typeof EVENT_KEYS)[number];

const templateString = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      compileTemplate(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  });

export const watchSchema = z
  .strictObject({
    /** https://sqs.<region>.amazonaws.com/<account>/<name>; or give queue_name. */
    queue_url: z.url({ protocol: /^https?$/ }).optional(),
    /** Looked up with GetQueueUrl (needs sqs:GetQueueUrl). */
    queue_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,80}$/, "expected 1-80 letters, digits, - or _")
      .optional(),
    /** Default: AWS_REGION / AWS_DEFAULT_REGION, else the region in queue_url's host. */
    region: regionSchema.optional(),
    /** Custom endpoint for SQS, EC2 and Auto Scaling (default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL). */
    endpoint_url: z.url({ protocol: /^https?$/ }).optional(),
    /** A named profile; default: the SDK's chain. */
    profile: z.string().min(1).optional(),
    on_launch: playRef.optional(),
    on_terminate: playRef.optional(),
    on_launched: playRef.optional(),
    on_terminated: playRef.optional(),
    on_interruption: playRef.optional(),
    on_rebalance: playRef.optional(),
    /** Messages handled at once. */
    concurrency: z.int().min(1).max(100).default(4),
    /** CompleteLifecycleAction result when the play fails (CONTINUE on success). */
    result_on_failure: z.enum(["ABANDON", "CONTINUE"]).default("ABANDON"),
    /** Salt minion id, a template over the event's vars. */
    minion_id: templateString.default("{{ asg_name }}-{{ instance_id }}"),
    /** Seconds a received message stays hidden; extended every half of it while its play runs. */
    visibility_timeout: z.int().min(2).max(43200).default(60),
    /** Long-poll wait, seconds. */
    wait_time_seconds: z.int().min(1).max(20).default(20),
    /**
     * Seconds between RecordLifecycleActionHeartbeat calls. Default: half the hook's
     * HeartbeatTimeout (DescribeLifecycleHooks), else 15 (half of the smallest allowed timeout).
     */
    heartbeat_interval: z.number().positive().max(3600).optional(),
    /** false: never heartbeat (a test switch: shows the hook's default result applying). */
    heartbeats: z.boolean().default(true),
    /** Seconds in-flight plays may take to finish after SIGTERM before they are stopped. */
    grace_period: z.number().min(0).max(86400).default(600),
    /** Extra vars for every play (under each play's own and the event's vars). */
    vars: dataVars.default({}),
  })
  .superRefine((w, ctx) => {
    if ((w.queue_url === undefined) === (w.queue_name === undefined)) {
      ctx.addIssue({ code: "custom", message: "set exactly one of queue_url and queue_name", path: [] });
    }
    if (!EVENT_KEYS.some((k) => w[k] !== undefined)) {
      ctx.addIssue({
        code: "custom",
        message: `map at least one event to a play (${EVENT_KEYS.join(", ")})`,
        path: [],
      });
    }
  });

export type WatchConfig = z.output<typeof watchSchema>;
export type PlayRef = NonNullable<WatchConfig["on_launch"]>;

/** The whole file: `watch:` plus whatever inventory settings other commands read. */
const fileSchema = z.strictObject({
  watch: watchSchema,
  ...Object.fromEntries(
    Object.keys(inventoryConfigSchema.shape)
      .filter((k) => k !== "watch")
      .map((k) => [k, z.unknown().optional()]),
  ),
});

export async function loadWatchConfig(file: string): Promise<{ file: string; config: WatchConfig }> {
  const parsed = await readYamlFile(file);
  if (!parsed.ok) throw new InputError(parsed.issues);
  const value = parsed.value.value;
  if (value === null || typeof value !== "object" || Array.isArray(value) || !("watch" in value)) {
    throw new InputError([
      { message: "no watch: section (expected a mapping with a watch: key)", at: { file, line: 1, col: 1 } },
    ]);
  }
  const checked = validate(fileSchema, parsed.value);
  if (!checked.ok) throw new InputError(checked.issues);
  return { file, config: (checked.value as { watch: WatchConfig }).watch };
}
