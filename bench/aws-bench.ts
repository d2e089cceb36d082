// ASG inventory benchmarks: a cold fetch of 10,000 instances in 200 ASGs (two regions) from the
// simulator at 20 ms per request against the same fetch with no latency (the fake runs in a worker
// thread), and the cache-hit path. The cache hit runs the real CLI when
// the inventory config accepts `type: aws`; until then it times the in-process equivalent
// (cached JSON → hosts → inventory → --list JSON), which excludes process start-up.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryConfigSchema } from "../src/config/inventory-config.js";
import { buildInventory } from "../src/inventory/build.js";
import { toAnsibleList } from "../src/inventory/builders/ansible.js";
import type { AwsRaw } from "../src/inventory/sources/aws.js";
import { awsSource, awsSourceSchema } from "../src/inventory/sources/aws.js";
import { generateAwsFleet } from "../src/sim/aws/fleet.js";
import { startStandaloneAwsSim } from "../src/sim/aws/standalone.js";
import type { AwsSimWorkerData, AwsSimWorkerMessage } from "./aws-sim-worker.js";
import { type BenchFigure, measureCli, median } from "./measure.js";

const ASGS = 200;
const PER_ASG = 50;
const LATENCY_MS = 20;

interface SimHandle {
  env: Record<string, string>;
  requests(): Promise<number>;
  stop(): Promise<void>;
}

/** The fake in a worker when running from built JS; in-process from sources (tests, tsx). */
async function startSim(latencyMs = LATENCY_MS): Promise<SimHandle> {
  if (!import.meta.url.endsWith(".js")) {
    const sim = await startStandaloneAwsSim(
      generateAwsFleet({ asgs: ASGS, instancesPerAsg: PER_ASG, listen: false }),
      { latencyMs },
    );
    return {
      env: sim.env,
      requests: async () => Object.values(sim.world.requestCounts).reduce((a, b) => a + b, 0),
      stop: () => sim.stop(),
    };
  }
  const { Worker } = await import("node:worker_threads");
  const worker = new Worker(new URL("./aws-sim-worker.js", import.meta.url), {
    workerData: { asgs: ASGS, instancesPerAsg: PER_ASG, latencyMs } satisfies AwsSimWorkerData,
  });
  const next = () =>
    new Promise<AwsSimWorkerMessage>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  const ready = await next();
  if (ready.type !== "ready") throw new Error("AWS simulator worker did not start");
  return {
    env: ready.env,
    async requests() {
      worker.postMessage({ type: "requests" });
      const m = await next();
      return m.type === "requests" ? m.total : 0;
    },
    async stop() {
      worker.postMessage({ type: "stop" });
      await new Promise((resolve) => worker.once("exit", resolve));
    },
  };
}

export async function benchAws(): Promise<BenchFigure[]> {
  const config = awsSourceSchema.parse({ type: "aws", regions: ["us-east-1", "us-west-2"] });
  // The floor: the same fetch from a fake that answers at once. Parsing 10,000 instances of EC2
  // XML costs the SDK more than a second of CPU, which no concurrency can hide; what the client
  // controls is how much of the network latency it adds on top. Both are timed after a warm-up
  // fetch ("cold" is the cache, not the JIT).
  const floor = await timeColdFetch(config, 0);
  // The cache-hit figures need the fake still running (their CLI run fetches once first).
  const cold = await timeColdFetch(config, LATENCY_MS, benchCacheHit);
  // Two regions fetch side by side, each `concurrency` requests at a time.
  const ideal = (cold.requests * LATENCY_MS) / (config.concurrency * 2);
  return [
    { name: "aws inventory, cold, no latency (floor: the SDK's parsing)", value: floor.ms, unit: "ms" },
    {
      name: `aws inventory, cold, ${ASGS * PER_ASG} instances / ${ASGS} ASGs at ${LATENCY_MS} ms/request: wall`,
      value: cold.ms,
      unit: "ms",
      target: `≤ floor + 1.5 × ${ideal.toFixed(0)} ms (${cold.requests} requests × ${LATENCY_MS} ms / ${config.concurrency * 2})`,
      ok: cold.ms <= floor.ms + 1.5 * ideal,
    },
    { name: "aws inventory, cold: API requests", value: cold.requests, unit: "requests" },
    ...cold.more,
  ];
}

type AwsConfig = ReturnType<typeof awsSourceSchema.parse>;

/** One fetch against a fresh fake with this latency, after a warm-up fetch (JIT, sockets). */
async function timeColdFetch(
  config: AwsConfig,
  latencyMs: number,
  then?: (raw: AwsRaw, env: Record<string, string>) => Promise<BenchFigure[]>,
) {
  const sim = await startSim(latencyMs);
  try {
    const ctx = { env: { ...sim.env }, homeDir: tmpdir(), note: () => {} };
    await awsSource.fetch(config, ctx);
    const before = await sim.requests();
    const started = performance.now();
    const raw = await awsSource.fetch(config, ctx);
    const ms = performance.now() - started;
    const requests = (await sim.requests()) - before;
    const hosts = awsSource.toHosts(raw, config, ctx);
    if (hosts.length !== ASGS * PER_ASG)
      throw new Error(`expected ${ASGS * PER_ASG} hosts, got ${hosts.length}`);
    return { ms, requests, more: then ? await then(raw, sim.env) : [] };
  } finally {
    await sim.stop();
  }
}

async function benchCacheHit(raw: AwsRaw, env: Record<string, string>): Promise<BenchFigure[]> {
  const accepted = inventoryConfigSchema.safeParse({
    sources: [{ type: "aws", regions: ["us-east-1"] }],
  }).success;
  if (accepted) return benchCliCacheHit(env);
  const config = awsSourceSchema.parse({ type: "aws", regions: ["us-east-1", "us-west-2"] });
  const ctx = { env, homeDir: tmpdir(), note: () => {} };
  const cached = JSON.stringify(raw);
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const records = awsSource.toHosts(JSON.parse(cached) as AwsRaw, config, ctx);
    const { inventory } = buildInventory(records, {
      hostnames: ["private-ip"],
      sanitizeGroupNames: false,
      parentGroups: true,
      keyedGroups: [],
    });
    JSON.stringify(toAnsibleList(inventory));
    runs.push(performance.now() - t);
  }
  return [
    {
      name: `aws inventory, cache hit, ${ASGS * PER_ASG} hosts (in-process: cached JSON → --list JSON, no process start-up), median of 7`,
      value: median(runs),
      unit: "ms",
      target: "≤ 300 ms (whole CLI)",
      ok: median(runs) <= 300,
    },
  ];
}

async function benchCliCacheHit(simEnv: Record<string, string>): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), "rollcall-aws-bench-"));
  try {
    const file = join(dir, "inv.yml");
    await writeFile(
      file,
      "sources:\n  - type: aws\n    regions: [us-east-1, us-west-2]\ncache:\n  ttl: 3600\n",
    );
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CACHE_HOME: join(dir, "cache"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...simEnv,
    };
    const args = ["inventory", "--list", "-c", file];
    const cold = await measureCli(args, env);
    if (cold.code !== 0) throw new Error(`cold run exited ${cold.code}`);
    const runs = [];
    for (let i = 0; i < 7; i++) runs.push(await measureCli(args, env));
    const ms = median(runs.map((r) => r.ms));
    const rss = Math.max(...runs.map((r) => r.maxRssMb));
    return [
      {
        name: `aws inventory --list, cache hit, ${ASGS * PER_ASG} hosts: wall (median of 7)`,
        value: ms,
        unit: "ms",
        target: "≤ 300 ms",
        ok: ms <= 300,
      },
      {
        name: `aws inventory --list, cache hit, ${ASGS * PER_ASG} hosts: peak RSS`,
        value: rss,
        unit: "MB",
        target: "≤ 150 MB",
        ok: rss <= 150,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
