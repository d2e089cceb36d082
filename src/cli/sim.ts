// `rollcall sim`: start the fake cloud, print the env a client needs as KEY=value lines, then
// `ready`, and run until SIGINT/SIGTERM. The only place the simulator meets the process: the
// core (src/sim/) never prints, reads argv or handles signals.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError, SetupError, UsageError } from "../errors.js";
import { isLoopbackHost, readFleetFile, type SimulatorOptions, startSimulator } from "../sim/index.js";
import type { CliContext } from "./context.js";

export interface SimArgs {
  fleet?: string;
  port: number;
  awsPort?: number;
  host: string;
  latencyMs: number;
  faultRate: number;
  hangRate: number;
  rateLimit?: number;
  timeScale: number;
  seed: number;
  spotInterruption?: string[];
  rebalance?: string[];
}

export function simCommand(ctx: CliContext): CommandModule<object, SimArgs> {
  return {
    command: "sim",
    describe: "start the simulated cloud on loopback; prints KEY=value lines, then `ready`",
    builder: (y: Argv) =>
      y
        .option("fleet", { type: "string", describe: "fleet file (YAML; default: the built-in demo fleet)" })
        .option("port", { type: "number", default: 0, describe: "Spotinst API port (0 = any free port)" })
        .option("aws-port", {
          type: "number",
          default: 0,
          describe: "AWS (EC2 + Auto Scaling) endpoint port (0 = any free port)",
        })
        .option("host", { type: "string", default: "127.0.0.1", describe: "API address, within 127.0.0.0/8" })
        .option("latency-ms", { type: "number", default: 0, describe: "delay added to every API response" })
        .option("fault-rate", {
          type: "number",
          default: 0,
          describe: "share of requests failing with 5xx/429 (0-1)",
        })
        .option("hang-rate", {
          type: "number",
          default: 0,
          describe: "share of requests never answered (0-1)",
        })
        .option("rate-limit", {
          type: "number",
          describe:
            "Spotinst requests allowed per 60 simulated s per route and method (default: the fleet's rate_limit, else 1000); " +
            "over it: 429 with X-RateLimit-Reset, and a retry before the reset blocks the route for another 60 s",
        })
        .option("time-scale", {
          type: "number",
          default: 1,
          describe: "simulated ms per real ms (60 = a minute a second)",
        })
        .option("seed", {
          type: "number",
          default: 1,
          describe: "seed for ids and fault sequences",
        })
        .option("spot-interruption", {
          type: "string",
          array: true,
          describe:
            "INSTANCE-ID or ASG[@SECONDS]: queue a spot interruption warning (simulated seconds, default 30)",
        })
        .option("rebalance", {
          type: "string",
          array: true,
          describe: "INSTANCE-ID or ASG[@SECONDS]: queue a rebalance recommendation",
        }) as unknown as Argv<SimArgs>,
    handler: async (args: ArgumentsCamelCase<SimArgs>) => {
      // Installed before anything starts, so a signal during startup still closes cleanly
      // instead of killing the process with listeners half-open.
      const stop = waitForStopSignal();
      try {
        await runSim(args, ctx, stop.promise);
      } finally {
        stop.dispose();
      }
    },
  };
}

/** Start, announce, wait for `stop`, close. Exported so tests can drive it without signals. */
export async function runSim(args: SimArgs, ctx: CliContext, stop: Promise<unknown>): Promise<void> {
  const options = toSimulatorOptions(args);
  if (args.fleet !== undefined) {
    const parsed = await readFleetFile(args.fleet);
    if (!parsed.ok) throw new InputError(parsed.issues);
    options.fleet = parsed.value;
  }
  options.onIncident = (e) => ctx.stderr(`rollcall sim: warning: ${e.subject}: ${e.message}\n`);
  const sim = await startSimulator(options).catch((err) => {
    throw describeStartFailure(err, args);
  });
  try {
    for (const [key, value] of Object.entries(sim.env)) ctx.stdout(`${key}=${value}\n`);
    ctx.stdout("ready\n");
    await stop;
  } finally {
    await sim.close();
  }
}

export function toSimulatorOptions(args: SimArgs): SimulatorOptions {
  const problems: string[] = [];
  const check = (flag: string, v: number, min: number, max: number, integer = false) => {
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      const what = integer ? "an integer" : "a number";
      problems.push(
        `--${flag} must be ${what} from ${min} to ${max}, got ${Number.isNaN(v) ? "not a number" : v}`,
      );
    }
  };
  check("port", args.port, 0, 65_535, true);
  check("aws-port", args.awsPort ?? 0, 0, 65_535, true);
  check("latency-ms", args.latencyMs, 0, 600_000);
  check("fault-rate", args.faultRate, 0, 1);
  check("hang-rate", args.hangRate, 0, 1);
  if (args.rateLimit !== undefined) check("rate-limit", args.rateLimit, 1, 1_000_000, true);
  check("time-scale", args.timeScale, 0.001, 1_000_000);
  check("seed", args.seed, 0, 2 ** 32 - 1, true);
  if (!isLoopbackHost(args.host))
    problems.push(`--host must be an IPv4 address in 127.0.0.0/8, got ${args.host}`);
  if (problems.length === 0 && args.faultRate + args.hangRate > 1)
    problems.push("--fault-rate plus --hang-rate must not exceed 1");
  const instanceEvents = [
    ...(args.spotInterruption ?? []).map((s) => instanceEvent("spot-interruption", s, problems)),
    ...(args.rebalance ?? []).map((s) => instanceEvent("rebalance", s, problems)),
  ];
  if (problems.length > 0) throw new UsageError(problems.map((message) => ({ message })));
  return {
    instanceEvents,
    host: args.host,
    spotinstPort: args.port,
    awsPort: args.awsPort ?? 0,
    latencyMs: args.latencyMs,
    faultRate: args.faultRate,
    hangRate: args.hangRate,
    ...(args.rateLimit !== undefined && { rateLimit: args.rateLimit }),
    timeScale: args.timeScale,
    seed: args.seed,
  };
}

/** `i-0abc…@45` or `kafka-asg-prod` (its oldest InService member), 30 simulated seconds in by default. */
function instanceEvent(kind: "spot-interruption" | "rebalance", spec: string, problems: string[]) {
  const m = /^([^@\s]+)(?:@(\d+(?:\.\d+)?))?$/.exec(spec);
  if (!m)
    problems.push(`--${kind}: expected INSTANCE-ID or ASG, optionally @SECONDS, got ${JSON.stringify(spec)}`);
  return { kind, target: m?.[1] ?? spec, afterSec: m?.[2] ? Number(m[2]) : 30 };
}

function describeStartFailure(err: unknown, args: SimArgs): unknown {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const where = `${e.address ?? args.host}:${e.port ?? args.port}`;
  if (e?.code === "EADDRINUSE") return new SetupError(`cannot listen on ${where}: address already in use`);
  if (e?.code === "EACCES")
    return new SetupError(`cannot listen on ${where}: permission denied (ports below 1024 need root)`);
  if (e?.code === "EADDRNOTAVAIL") {
    // Linux routes all of 127.0.0.0/8 to lo; macOS only 127.0.0.1 unless aliases are added.
    return new SetupError(
      `cannot listen on ${where}: address not available (on macOS, add it with ifconfig lo0 alias)`,
    );
  }
  return err;
}

function waitForStopSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    promise,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
