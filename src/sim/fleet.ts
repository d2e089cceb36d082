// The fleet file: what the simulator's fake cloud contains. YAML, validated with zod, every
// mistake reported as file:line:col. The format is specified in src/sim/README.md.
import { z } from "zod";
import {
  ownRecord,
  type Parsed,
  parseYaml,
  readYamlFile,
  validate,
  type YamlSource,
} from "../config/yaml.js";
import { awsFleetSchema, defaultAwsFleet } from "./aws/fleet.js";
import { rateLimitSchema } from "./spotinst/rate-limit-schema.js";

/** Simulated seconds; capped so a typo cannot schedule a timer past Node's 24.8-day limit. */
const seconds = z.number().min(0).max(86_400);

const portSchema = z.preprocess(
  // A bare number is the common case; the mapping adds a banner or an HTTP health path.
  (v) => (typeof v === "number" ? { port: v } : v),
  z.strictObject({
    port: z.number().int().min(1).max(65_535),
    banner: z.string().optional(),
    http_path: z.string().startsWith("/", "expected a path starting with /").optional(),
  }),
);

const timingsSchema = z.strictObject({
  accept: seconds.optional(),
  recycle: z
    .preprocess(
      // A single number is the whole recycle: one third stopping the old instance, two thirds starting the new.
      (v) => (typeof v === "number" ? { stop: v / 3, start: (v * 2) / 3 } : v),
      // `paused`: how long the long walk shows PAUSED between stopping and starting.
      z.strictObject({ stop: seconds.optional(), paused: seconds.optional(), start: seconds.optional() }),
    )
    .optional(),
  pause: seconds.optional(),
  resume: seconds.optional(),
  deallocate: seconds.optional(),
  boot: seconds.optional(),
});

const instanceSchema = z.strictObject({
  id: z
    .string()
    .regex(/^ssi-[A-Za-z0-9]+$/, "expected an id like ssi-1a2b3c4d")
    .optional(),
  state: z.enum(["ACTIVE", "PAUSED", "DEALLOCATED", "ERROR"]).default("ACTIVE"),
  recycle_outcome: z.enum(["ok", "error", "stuck"]).default("ok"),
  never_healthy: z.boolean().default(false),
  listen: z.boolean().optional(),
});

const groupSchema = z.strictObject({
  id: z
    .string()
    .regex(/^sig-[A-Za-z0-9]+$/, "expected an id like sig-1a2b3c4d")
    .optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  region: z.string().min(1).default("us-east-1"),
  // ownRecord: a tag named "__proto__" is a tag (zod's record drops it).
  tags: ownRecord(z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  stateful: z.boolean().default(true),
  persist_private_ip: z.boolean().default(false),
  persist_root_volume: z.boolean().default(false),
  image_id: z
    .string()
    .regex(/^ami-[A-Za-z0-9]+$/, "expected an id like ami-0abc…")
    .optional(),
  instance_type: z.string().min(1).default("m5.large"),
  ports: z.array(portSchema).default([]),
  listen: z.boolean().default(true),
  timings: timingsSchema.optional(),
  /**
   * short: ACTIVE → RECYCLING → ACTIVE. long: every documented state — the initiating one
   * (RECYCLE, PAUSE, …) while the action is accepted, and a recycle as a pause then a resume
   * (RECYCLE → RECYCLING → PAUSED → RESUMING → ACTIVE).
   */
  state_walk: z.enum(["short", "long"]).default("short"),
  /** A DEALLOCATED SSI drops out of the list instead of staying in it. */
  drop_deallocated: z.boolean().default(false),
  count: z.number().int().min(0).max(50_000).optional(),
  instances: z.array(instanceSchema).optional(),
});

const accountSchema = z.strictObject({
  id: z.string().regex(/^act-[A-Za-z0-9]+$/, "expected an id like act-1a2b3c4d"),
  // Short tokens are refused because redaction (errors.ts) skips secrets under 4 characters.
  token: z.string().min(8, "expected a token of at least 8 characters"),
  name: z.string().optional(),
  groups: z.array(groupSchema).default([]),
});

export const fleetSchema = z
  .strictObject({
    accounts: z.array(accountSchema).min(1, "expected at least one account"),
    timings: timingsSchema.optional(),
    /** Spotinst requests per 60 s per organisation × route × method (Spot does not publish its own). */
    rate_limit: rateLimitSchema.optional(),
    // Owned by the AWS part of the simulator (src/sim/aws/); passed through untouched.
    aws: z.unknown().optional(),
  })
  .superRefine((fleet, ctx) =>
    checkCrossReferences(fleet, (path, message) => ctx.addIssue({ code: "custom", path, message })),
  );

export type Fleet = z.output<typeof fleetSchema>;
export type FleetInput = z.input<typeof fleetSchema>;
export type FleetAccount = Fleet["accounts"][number];
export type FleetGroup = FleetAccount["groups"][number];
export type FleetInstance = NonNullable<FleetGroup["instances"]>[number];
export type FleetTimingsInput = z.output<typeof timingsSchema>;

/** Resolved timings of one group, in simulated seconds. */
export interface Timings {
  accept: number;
  recycleStop: number;
  /** PAUSED inside a recycle (long walk only). */
  recyclePaused: number;
  recycleStart: number;
  pause: number;
  resume: number;
  deallocate: number;
  boot: number;
}

export const DEFAULT_TIMINGS: Readonly<Timings> = {
  accept: 2,
  recycleStop: 20,
  recyclePaused: 150,
  recycleStart: 40,
  pause: 20,
  resume: 40,
  deallocate: 20,
  boot: 5,
};

/** Built-in defaults, then the fleet's top-level `timings`, then the group's own. */
export function resolveTimings(fleet: Pick<Fleet, "timings">, group: Pick<FleetGroup, "timings">): Timings {
  const out = { ...DEFAULT_TIMINGS };
  for (const t of [fleet.timings, group.timings]) {
    if (!t) continue;
    out.accept = t.accept ?? out.accept;
    out.recycleStop = t.recycle?.stop ?? out.recycleStop;
    out.recyclePaused = t.recycle?.paused ?? out.recyclePaused;
    out.recycleStart = t.recycle?.start ?? out.recycleStart;
    out.pause = t.pause ?? out.pause;
    out.resume = t.resume ?? out.resume;
    out.deallocate = t.deallocate ?? out.deallocate;
    out.boot = t.boot ?? out.boot;
  }
  return out;
}

/** The instances a group starts with: the explicit list, or `count` default ones. */
export function instancesOf(group: FleetGroup): FleetInstance[] {
  if (group.instances) return group.instances;
  return Array.from({ length: group.count ?? 0 }, () => ({
    state: "ACTIVE" as const,
    recycle_outcome: "ok" as const,
    never_healthy: false,
  }));
}

export function parseFleet(text: string, file = "<fleet>"): Parsed<Fleet> {
  const src = parseYaml(text, file);
  return src.ok ? validateFleet(src.value) : src;
}

export async function readFleetFile(file: string): Promise<Parsed<Fleet>> {
  const src = await readYamlFile(file);
  return src.ok ? validateFleet(src.value) : src;
}

function validateFleet(src: YamlSource): Parsed<Fleet> {
  const aws = (src.value as { aws?: unknown } | null)?.aws;
  if (aws !== undefined) {
    // The AWS section has its own schema; check it here so its errors carry positions too.
    const checked = validate(awsFleetSchema, src, { value: aws, basePath: ["aws"] });
    if (!checked.ok) return checked;
  }
  return validate(fleetSchema, src);
}

const MAX_INSTANCES = 50_000;

type AddIssue = (path: (string | number)[], message: string) => void;

/** Rules zod cannot express per field: unique ids, count-or-list, stateful-only options. */
function checkCrossReferences(
  fleet: { accounts: { id: string; groups: FleetGroup[] }[] },
  issue: AddIssue,
): void {
  const total = fleet.accounts.reduce(
    (n, a) => n + a.groups.reduce((m, g) => m + (g.instances?.length ?? g.count ?? 0), 0),
    0,
  );
  // Every instance needs an address from the simulator's one /16, recycles included.
  if (total > MAX_INSTANCES)
    issue(["accounts"], `at most ${MAX_INSTANCES} instances in a fleet, got ${total}`);
  const seen = new Map<string, string>();
  const claim = (id: string | undefined, path: (string | number)[]) => {
    if (!id) return;
    const first = seen.get(id);
    if (first) issue(path, `duplicate id ${id} (first used at ${first})`);
    else seen.set(id, path.join("."));
  };
  fleet.accounts.forEach((account, a) => {
    claim(account.id, ["accounts", a, "id"]);
    account.groups.forEach((group, g) => {
      const at = ["accounts", a, "groups", g];
      claim(group.id, [...at, "id"]);
      if (group.count !== undefined && group.instances !== undefined) {
        issue([...at, "count"], "give either count or instances, not both");
      }
      if (!group.stateful && (group.persist_private_ip || group.persist_root_volume)) {
        issue([...at, "stateful"], "persistence options need stateful: true");
      }
      const ports = new Set<number>();
      group.ports.forEach((p, i) => {
        if (ports.has(p.port)) issue([...at, "ports", i], `port ${p.port} is listed twice`);
        ports.add(p.port);
      });
      group.instances?.forEach((inst, i) => {
        const ip = [...at, "instances", i];
        if (group.stateful) claim(inst.id, [...ip, "id"]);
        else if (inst.id) issue([...ip, "id"], "only instances of stateful groups have ssi ids");
        else if (inst.state !== "ACTIVE")
          issue([...ip, "state"], "instances of non-stateful groups are always ACTIVE");
      });
    });
  });
}

/**
 * The demo fleet: two stateful clusters (one with root-volume persistence, one keeping its
 * private IPs) and a non-stateful worker group. Ports stay above 1024 so no root is needed.
 */
export const DEFAULT_FLEET_INPUT: FleetInput = {
  accounts: [
    {
      id: "act-5e1f0001",
      token: "sim-token-0123456789abcdef",
      name: "demo",
      groups: [
        {
          id: "sig-6b61666b",
          name: "kafka-prod",
          tags: { env: "prod", service: "kafka", team: "data" },
          persist_root_volume: true,
          ports: [
            { port: 9092, banner: "kafka broker ready" },
            { port: 8778, http_path: "/jolokia/" },
          ],
          count: 3,
        },
        {
          id: "sig-7a6f6f6b",
          name: "zookeeper-prod",
          tags: { env: "prod", service: "zookeeper", team: "data" },
          persist_private_ip: true,
          ports: [2181],
          count: 3,
        },
        {
          id: "sig-63697772",
          name: "ci-workers",
          tags: { env: "ci", service: "ci-worker" },
          stateful: false,
          ports: [{ port: 8080, http_path: "/healthz" }],
          count: 3,
        },
      ],
    },
  ],
  aws: defaultAwsFleet,
};

export { resolveRateLimit } from "./spotinst/rate-limit-schema.js";

export function defaultFleet(): Fleet {
  return fleetSchema.parse(DEFAULT_FLEET_INPUT);
}

export interface GenerateFleetOptions {
  groups: number;
  instancesPerGroup: number;
  /** Open real listeners (default false: 10,000 sockets help no benchmark). */
  listen?: boolean;
  /** Every Nth group is non-stateful (default 10; 0 = all stateful). */
  nonStatefulEvery?: number;
}

/** A large synthetic fleet for benchmarks: one account, groups named svc-0001…, ids in order. */
export function generateFleet(options: GenerateFleetOptions): Fleet {
  const every = options.nonStatefulEvery ?? 10;
  const groups = Array.from({ length: options.groups }, (_, i) => {
    const stateful = every === 0 || (i + 1) % every !== 0;
    return {
      id: `sig-${(0x10000000 + i).toString(16)}`,
      name: `svc-${String(i + 1).padStart(4, "0")}`,
      tags: { env: i % 2 === 0 ? "prod" : "staging", service: `svc${i % 25}` },
      stateful,
      persist_private_ip: stateful && i % 3 === 0,
      ports: [9000 + (i % 100)],
      listen: options.listen ?? false,
      count: options.instancesPerGroup,
    };
  });
  return fleetSchema.parse({
    accounts: [{ id: "act-be4c0001", token: "sim-token-bench-0001", name: "bench", groups }],
  });
}
