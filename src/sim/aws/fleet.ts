// The AWS part of a fleet file: regions, launch templates and Auto Scaling groups, with the
// knobs tests need (outdated instances, tags missing from DescribeInstances, replacements that
// never become healthy, lifecycle hooks). Times are simulated seconds.
import { z } from "zod";
import { ownRecord } from "../../config/yaml.js";
import { notificationConfigSchema, sqsFleetSchema } from "./sqs-fleet.js";

const portSchema = z.union([
  z
    .int()
    .min(1)
    .max(65535)
    .transform((port) => ({ port })),
  z.strictObject({
    port: z.int().min(1).max(65535),
    banner: z.string().optional(),
    http: z.strictObject({ path: z.string().startsWith("/") }).optional(),
  }),
]);

const launchTemplateVersionSchema = z.strictObject({
  image_id: z.string().regex(/^ami-[0-9a-f]+$/, "expected ami-<hex>"),
  instance_type: z.string().default("m5.large"),
});

const launchTemplateSchema = z.strictObject({
  name: z.string().min(1),
  region: z.string().min(1),
  /** Version 1 first; `$Latest` is the last one. */
  versions: z.array(launchTemplateVersionSchema).min(1),
  /** `$Default`; 1 unless set. */
  default_version: z.int().min(1).default(1),
});

const hookSchema = z.strictObject({
  name: z.string().min(1),
  transition: z.enum(["autoscaling:EC2_INSTANCE_LAUNCHING", "autoscaling:EC2_INSTANCE_TERMINATING"]),
  heartbeat_timeout: z.int().min(30).max(7200).default(3600),
  default_result: z.enum(["CONTINUE", "ABANDON"]).default("ABANDON"),
  notification_target_arn: z.string().optional(),
  role_arn: z.string().optional(),
  notification_metadata: z.string().optional(),
});

const asgSchema = z
  .strictObject({
    name: z.string().min(1),
    region: z.string().min(1),
    /** The group's template; `version` may be a number, `$Latest` or `$Default`. */
    launch_template: z
      .strictObject({ name: z.string().min(1), version: z.union([z.string(), z.int()]).default("$Latest") })
      .optional(),
    /** Put the template under a MixedInstancesPolicy instead of LaunchTemplate. */
    mixed_instances_policy: z.boolean().default(false),
    /** Legacy launch configuration name (instead of a template). */
    launch_configuration: z.string().optional(),
    min: z.int().min(0).default(0),
    max: z.int().min(0).default(10),
    desired: z.int().min(0),
    /** How many of the initial instances run an older template version / launch configuration. */
    outdated: z.int().min(0).default(0),
    ports: z.array(portSchema).default([]),
    /** Simulated seconds from launch to InService (or Pending:Wait with a launch hook). */
    boot_sec: z.number().min(0).default(30),
    /** Simulated seconds from Terminating to Terminated. */
    shutdown_sec: z.number().min(0).default(10),
    /** Group tags; `propagate: false` keeps one off the instances. ownRecord keeps "__proto__". */
    tags: ownRecord(
      z.union([z.string(), z.strictObject({ value: z.string(), propagate: z.boolean().default(true) })]),
    ).default({}),
    lifecycle_hooks: z.array(hookSchema).default([]),
    /** Plain ASG notifications (PutNotificationConfiguration) to SNS topics of `aws.sqs`. */
    notifications: notificationConfigSchema,
    /** DescribeInstances returns these instances without tags (DescribeTags still has them). */
    untagged_in_describe_instances: z.boolean().default(false),
    /** New instances stay Pending forever and never open their ports. */
    never_healthy: z.boolean().default(false),
    public_ip: z.boolean().default(false),
    availability_zones: z.array(z.string()).min(1).optional(),
  })
  .refine((a) => a.min <= a.desired && a.desired <= a.max, { message: "need min <= desired <= max" })
  .refine((a) => (a.launch_template ? 1 : 0) + (a.launch_configuration ? 1 : 0) === 1, {
    message: "set exactly one of launch_template and launch_configuration",
  });

export const awsFleetSchema = z.strictObject({
  account_id: z
    .string()
    .regex(/^\d{12}$/, "expected 12 digits")
    .default("123456789012"),
  /** Regions the account has enabled; any other region answers AuthFailure. */
  regions: z.array(z.string().min(1)).min(1).default(["us-east-1"]),
  /** Regions that answer OptInRequired (an opt-in region not opted into). */
  opt_in_required_regions: z.array(z.string()).default([]),
  /** Most items any page carries, whatever the client asks for: small, to flush out paging bugs. */
  page_size: z.int().min(1).max(1000).default(5),
  /** Open real TCP listeners for InService instances. */
  listen: z.boolean().default(true),
  launch_templates: z.array(launchTemplateSchema).default([]),
  asgs: z.array(asgSchema).default([]),
  /** SQS queues, SNS topics and the EventBridge queue that events are delivered to. */
  sqs: sqsFleetSchema,
});

export type AwsFleet = z.output<typeof awsFleetSchema>;
export type AwsFleetInput = z.input<typeof awsFleetSchema>;
export type AsgSpec = AwsFleet["asgs"][number];
export type LaunchTemplateSpec = AwsFleet["launch_templates"][number];
export type HookSpec = AsgSpec["lifecycle_hooks"][number];

/** The demo fleet: two ASGs, one of them with instances on an outdated template version. */
export const defaultAwsFleet: AwsFleetInput = {
  account_id: "123456789012",
  regions: ["us-east-1", "eu-west-1"],
  launch_templates: [
    {
      name: "kafka-lt",
      region: "us-east-1",
      versions: [
        { image_id: "ami-0a1b2c3d4e5f60001", instance_type: "m5.large" },
        { image_id: "ami-0a1b2c3d4e5f60002", instance_type: "m5.large" },
      ],
    },
    {
      name: "zookeeper-lt",
      region: "us-east-1",
      versions: [{ image_id: "ami-0a1b2c3d4e5f60010", instance_type: "t3.medium" }],
    },
    {
      name: "ci-runners-lt",
      region: "eu-west-1",
      versions: [{ image_id: "ami-0a1b2c3d4e5f60020", instance_type: "c5.xlarge" }],
    },
  ],
  asgs: [
    {
      name: "kafka-asg-prod",
      region: "us-east-1",
      launch_template: { name: "kafka-lt", version: "$Latest" },
      min: 3,
      max: 4,
      desired: 3,
      outdated: 2,
      ports: [9092],
      tags: { Name: "kafka-asg-prod", Role: "kafka", Env: "prod" },
    },
    {
      name: "zookeeper-asg-prod",
      region: "us-east-1",
      launch_template: { name: "zookeeper-lt", version: "$Default" },
      min: 3,
      max: 3,
      desired: 3,
      ports: [2181],
      tags: { Name: "zookeeper-asg-prod", Role: "zookeeper", Env: "prod" },
    },
    {
      name: "ci-runners",
      region: "eu-west-1",
      launch_template: { name: "ci-runners-lt", version: "1" },
      mixed_instances_policy: true,
      min: 0,
      max: 4,
      desired: 2,
      ports: [{ port: 8080, http: { path: "/health" } }],
      tags: { Name: "ci-worker", Role: "ci" },
    },
  ],
  // Where `rollcall sim --spot-interruption` events land (EventBridge → SQS), for `rollcall watch`.
  sqs: { queues: [{ name: "rollcall-events" }], eventbridge_queue: "rollcall-events" },
};

/** A large fleet for benchmarks: `asgs` groups of `instancesPerAsg`, spread over two regions. */
export function generateAwsFleet(options: {
  asgs: number;
  instancesPerAsg: number;
  listen?: boolean;
  pageSize?: number;
}): AwsFleetInput {
  const regions = ["us-east-1", "us-west-2"];
  const templates = regions.map((region) => ({
    name: `bench-lt-${region}`,
    region,
    versions: [{ image_id: "ami-0b0000000000000001" }, { image_id: "ami-0b0000000000000002" }],
  }));
  const asgs = Array.from({ length: options.asgs }, (_, i) => {
    const region = regions[i % regions.length]!;
    return {
      name: `bench-${String(i).padStart(4, "0")}`,
      region,
      launch_template: { name: `bench-lt-${region}`, version: "$Latest" },
      min: 0,
      max: options.instancesPerAsg * 2,
      desired: options.instancesPerAsg,
      outdated: i % 4 === 0 ? 1 : 0,
      ports: [7000 + (i % 100)],
      tags: { Role: `role-${i % 10}` },
    };
  });
  // Real AWS page maxima (DescribeInstances 1000, DescribeAutoScalingGroups 100) so the bench
  // measures the client, not an artificially tiny page.
  return {
    regions,
    page_size: options.pageSize ?? 1000,
    listen: options.listen ?? false,
    launch_templates: templates,
    asgs,
  };
}
