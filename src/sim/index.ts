// The simulator's entry point: build the shared pieces, the Spotinst world and server (and, once
// wired, the AWS part), and hand back the env a client needs. Prints nothing, reads no process
// state: `rollcall sim` and the tests both call this.
import { isIPv4 } from "node:net";
import { UsageError } from "../errors.js";
import { type AwsSim, type InstanceEventOptions, startAwsSim } from "./aws/index.js";
import { claimIpAllocator, createIpAllocator, type IpAllocator } from "./core/addresses.js";
import { createClock } from "./core/clock.js";
import { createFaultPlan } from "./core/faults.js";
import { createListenerPool } from "./core/listeners.js";
import type { SimShared, TimelineEvent } from "./core/shared.js";
import { defaultFleet, type Fleet, resolveRateLimit } from "./fleet.js";
import { type SpotinstStats, startSpotinstServer } from "./spotinst/server.js";
import { createSpotinstWorld, type SimIncident, type SpotinstWorld } from "./spotinst/world.js";

export type { SimShared, TimelineEvent } from "./core/shared.js";
export type { Fleet, FleetInput } from "./fleet.js";
export { defaultFleet, generateFleet, parseFleet, readFleetFile } from "./fleet.js";
export type { SpotinstStats } from "./spotinst/server.js";
export type { SimGroup, SimIncident, SimSsi, SpotinstWorld } from "./spotinst/world.js";

export interface SimulatorOptions {
  /** A parsed fleet; default: the built-in demo fleet. */
  fleet?: Fleet;
  /** Where the API servers listen; must be in 127.0.0.0/8. Default 127.0.0.1. */
  host?: string;
  /** Spotinst API port; 0 (default) = ephemeral. */
  spotinstPort?: number;
  /** AWS endpoint port; 0 (default) = ephemeral. */
  awsPort?: number;
  /** Real milliseconds added to every API response. */
  latencyMs?: number;
  /** Probability (0–1) of a 5xx or 429 per request. */
  faultRate?: number;
  /** Probability (0–1) that a request is never answered. */
  hangRate?: number;
  /**
   * Spotinst requests allowed per 60 simulated seconds per organisation × route × method: the
   * default for every route (the fleet's per-route `rate_limit.routes` still apply). Default: the
   * fleet's `rate_limit`, else 1000.
   */
  rateLimit?: number;
  /** Simulated ms per real ms. Default 1. */
  timeScale?: number;
  /** Seed for ids and fault sequences. Default 1. */
  seed?: number;
  /** Record every API request on the timeline. */
  logRequests?: boolean;
  /** Something failed while running, e.g. a listener would not open (the sim keeps going). */
  onIncident?: (incident: SimIncident) => void;
  /** Spot interruptions / rebalance recommendations to inject after some simulated seconds. */
  instanceEvents?: (InstanceEventOptions & { afterSec: number })[];
}

export interface Simulator {
  /** Exactly the variables a client needs, e.g. SPOTINST_API_URL, SPOTINST_ACCOUNT_ID, SPOTINST_API_TOKEN. */
  env: Record<string, string>;
  spotinstUrl: string;
  /** The AWS part: EC2 + Auto Scaling on one port (see src/sim/aws/README.md). */
  aws: AwsSim;
  shared: SimShared;
  world: SpotinstWorld;
  /** Request counters of the Spotinst fake (requests without accountId, per route, faults). */
  spotinstStats: SpotinstStats;
  close(): Promise<void>;
}

/** One started piece of the simulator: what it adds to the env and how to stop it. */
interface SimPart {
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  checkOptions(options);
  const fleet = options.fleet ?? defaultFleet();
  const seed = options.seed ?? 1;
  const shared = createSimShared(options, await claimIpAllocator());
  const parts: SimPart[] = [];
  const world = createSpotinstWorld(shared, fleet, { seed, onIncident: options.onIncident });
  parts.push({ env: {}, close: () => world.close() });

  const closeAll = async () => {
    // Servers first (so no request starts an action mid-teardown), then timers and listeners.
    for (const part of [...parts].reverse()) await part.close();
    shared.clock.cancelAll();
    await shared.listeners.closeAll();
    await shared.ips.release();
  };

  try {
    const server = await startSpotinstServer(shared, world, {
      port: options.spotinstPort ?? 0,
      logRequests: options.logRequests,
      rateLimit: resolveRateLimit(fleet, options.rateLimit),
    });
    const [account] = fleet.accounts;
    parts.push({
      env: {
        SPOTINST_API_URL: server.url,
        SPOTINST_ACCOUNT_ID: account?.id ?? "",
        SPOTINST_API_TOKEN: account?.token ?? "",
      },
      close: () => server.close(),
    });
    const aws = await startAwsSim(shared, fleet.aws, {
      port: options.awsPort ?? 0,
      instanceEvents: options.instanceEvents,
      onIncident: (message) => options.onIncident?.({ subject: "aws", message }),
    });
    parts.push(aws);
    await world.start();

    let closing: Promise<void> | undefined;
    return {
      env: Object.assign({}, ...parts.map((p) => p.env)),
      spotinstUrl: server.url,
      aws,
      shared,
      world,
      spotinstStats: server.stats,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The pieces both fakes share: scaled clock, address allocator, listeners, faults, timeline. */
export function createSimShared(
  options: Pick<SimulatorOptions, "host" | "latencyMs" | "faultRate" | "hangRate" | "timeScale" | "seed">,
  ips: IpAllocator = createIpAllocator(),
): SimShared {
  const clock = createClock(options.timeScale ?? 1);
  const timeline: TimelineEvent[] = [];
  const record = (event: Omit<TimelineEvent, "at">) => {
    timeline.push({ at: clock.now(), ...event });
  };
  return {
    clock,
    // Not seeded from options.seed: parallel simulators with the same seed must still get
    // different /16s (see addresses.ts).
    ips,
    listeners: createListenerPool((e) =>
      record({ type: e.type, subject: e.owner, detail: { ip: e.ip, port: e.port } }),
    ),
    faults: createFaultPlan({
      rate: options.faultRate ?? 0,
      hangRate: options.hangRate ?? 0,
      seed: options.seed ?? 1,
    }),
    latencyMs: options.latencyMs ?? 0,
    host: options.host ?? "127.0.0.1",
    timeline,
    record,
    mutatingCalls: { spotinst: 0 },
  };
}

/** Loopback only: a fake cloud reachable from the network would be a gift to anyone nearby. */
export function isLoopbackHost(host: string): boolean {
  return isIPv4(host) && host.split(".")[0] === "127";
}

function checkOptions(o: SimulatorOptions): void {
  const problems: string[] = [];
  const range = (name: string, v: number | undefined, min: number, max: number, integer = false) => {
    if (v === undefined) return;
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      problems.push(`${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${v}`);
    }
  };
  if (o.host !== undefined && !isLoopbackHost(o.host)) {
    problems.push(`host must be an IPv4 address in 127.0.0.0/8, got ${JSON.stringify(o.host)}`);
  }
  range("spotinstPort", o.spotinstPort, 0, 65_535, true);
  range("latencyMs", o.latencyMs, 0, 600_000);
  range("faultRate", o.faultRate, 0, 1);
  range("hangRate", o.hangRate, 0, 1);
  range("rateLimit", o.rateLimit, 1, 1_000_000, true);
  range("timeScale", o.timeScale, 0.001, 1_000_000);
  range("seed", o.seed, 0, 2 ** 32 - 1, true);
  if (problems.length > 0) throw new UsageError(problems.map((message) => ({ message })));
}
