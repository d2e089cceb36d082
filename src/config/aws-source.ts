// The `type: aws` entry of an inventory config's `sources:` list (documented option by option
// in inventories/aws-asg.example.yml).
import picomatch from "picomatch";
import { z } from "zod";
import { didYouMean } from "../errors.js";

/** Lifecycle states of Auto Scaling instances (the API's LifecycleState enum). */
export const ASG_LIFECYCLE_STATES = [
  "Pending",
  "Pending:Wait",
  "Pending:Proceed",
  "Quarantined",
  "InService",
  "Terminating",
  "Terminating:Wait",
  "Terminating:Proceed",
  "Terminated",
  "Detaching",
  "Detached",
  "EnteringStandby",
  "Standby",
  "Warmed:Pending",
  "Warmed:Pending:Wait",
  "Warmed:Pending:Proceed",
  "Warmed:Terminating",
  "Warmed:Terminating:Wait",
  "Warmed:Terminating:Proceed",
  "Warmed:Terminated",
  "Warmed:Stopped",
  "Warmed:Running",
  "Warmed:Hibernated",
] as const;

/** Everything but instances on their way out (and warm-pool instances, which serve nothing). */
export const DEFAULT_INCLUDE_STATES = [
  "Pending",
  "Pending:Wait",
  "Pending:Proceed",
  "InService",
  "EnteringStandby",
  "Standby",
  "Detaching",
] as const;

/** For did-you-mean hints only: a region code that merely looks right is still accepted. */
const KNOWN_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "ca-west-1",
  "sa-east-1",
  "mx-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "ap-south-1",
  "ap-south-2",
  "ap-east-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "me-south-1",
  "me-central-1",
  "il-central-1",
  "af-south-1",
  "us-gov-west-1",
  "us-gov-east-1",
  "cn-north-1",
  "cn-northwest-1",
];

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const regionSchema = z.string().superRefine((value, ctx) => {
  if (!REGION_RE.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown region "${value}": expected a region code like us-east-1${didYouMean(value, KNOWN_REGIONS)}`,
    });
  }
});

/** A glob, checked now so a typo fails at load time rather than matching nothing. */
const globSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      picomatch.makeRe(value, { strictBrackets: true });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `bad glob "${value}": ${(err as Error).message}` });
    }
  });

const globList = z
  .union([globSchema, z.array(globSchema)])
  .transform((v) => (typeof v === "string" ? [v] : v));

export const awsSourceSchema = z.strictObject({
  type: z.literal("aws"),
  /** Shown in errors and notes. */
  name: z.string().min(1).optional(),
  /** Regions to read, in parallel. Empty: AWS_REGION / AWS_DEFAULT_REGION. */
  regions: z
    .union([regionSchema, z.array(regionSchema)])
    .transform((v) => (typeof v === "string" ? [v] : v))
    .default([]),
  /** ASG names or globs (`kafka-*` selects by prefix). */
  asg_names: globList.default(["*"]),
  /** ASG names or globs to leave out; exclusion wins. */
  asg_exclude: globList.default([]),
  /** ASG tags that must all match: a value, a list of allowed values, or "*" for "tag present". */
  asg_tags: z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)])).default({}),
  /** Lifecycle states to include. */
  include_states: z
    .array(z.enum(ASG_LIFECYCLE_STATES))
    .min(1)
    .default([...DEFAULT_INCLUDE_STATES]),
  /** A named profile (~/.aws/config); default: the SDK's chain (AWS_PROFILE, env keys, SSO, instance role). */
  profile: z.string().min(1).optional(),
  /** Assume this role for the whole run (needs @aws-sdk/client-sts). */
  assume_role_arn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "expected arn:aws:iam::<account>:role/<name>")
    .optional(),
  role_session_name: z.string().min(2).max(64).default("rollcall"),
  /** Custom endpoint for EC2, Auto Scaling and STS (default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL). */
  endpoint_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Add ec2.py-compatible names: group tag_aws_autoscaling_groupName_<asg>, ec2_id, ec2_tag_<Key>… */
  ec2py_aliases: z.boolean().default(false),
  /** A region that answers AuthFailure/OptInRequired fails the source instead of being skipped. */
  strict: z.boolean().default(false),
  /** A failure of this source is a warning instead of an error. */
  optional: z.boolean().default(false),
  /** Concurrent requests per region. */
  concurrency: z.int().min(1).max(32).default(8),
  /** Request timeout, seconds. */
  timeout: z.number().positive().max(600).default(30),
  /** Attempts per request including the first (the SDK's retry strategy). */
  max_attempts: z.int().min(1).max(20).default(5),
  retry_mode: z.enum(["standard", "adaptive"]).default("standard"),
});

export type AwsSourceConfig = z.output<typeof awsSourceSchema>;
