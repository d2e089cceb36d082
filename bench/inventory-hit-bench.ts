// Inventory cache hits through the real CLI (a child process per run, stdout drained through a
// pipe as Ansible reads it), each as a ratio to a floor measured in the same run, interleaved:
//  - 10,000 hosts / 500 groups: the floor is Node starting, reading, parsing and printing the
//    same JSON (what any script inventory must at least do with a cached answer);
//  - the 3-group demo inventory (Spotinst + AWS sources): the floor is `node -e 0`;
//  - the same with the Redis store (no lean path there), for information.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateFleet, startSimulator } from "../src/sim/index.js";
import { hasProgram } from "../test/helpers/programs.js";
import { startRedis } from "../test/helpers/redis.js";
import type { BenchFigure } from "./measure.js";
import { interleaved, measureNode } from "./measure-process.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const ROUNDS = 15;

/** Run the CLI once and keep its stdout (to populate the cache and to build the floor's input). */
function capture(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(Buffer.concat(out).toString("utf8")) : reject(new Error(`exit ${code}: ${err}`)),
    );
  });
}

type Measured = Awaited<ReturnType<typeof interleaved>>[string];

/** Wall-time ratio (the figure with the target), with the CPU-time ratio alongside for noisy machines. */
function versus(name: string, run: Measured, floor: Measured, target: number | undefined): BenchFigure {
  const cpu = floor.cpuMs > 0 ? ` [CPU time ${(run.cpuMs / floor.cpuMs).toFixed(2)}×]` : "";
  return ratio(`${name}${cpu}`, run.ms / floor.ms, target);
}

function ratio(name: string, value: number, target: number | undefined): BenchFigure {
  return {
    name,
    value,
    unit: "× floor",
    target: target === undefined ? undefined : `≤ ${target}×`,
    ok: target === undefined ? undefined : value <= target,
  };
}

export async function benchInventoryCacheHit(): Promise<BenchFigure[]> {
  const sim = await startSimulator({
    fleet: generateFleet({ groups: 500, instancesPerGroup: 20, listen: false }),
  });
  const dir = await mkdtemp(join(tmpdir(), "rollcall-bench-hit-"));
  try {
    const config = join(dir, "inv.yml");
    await writeFile(config, "sources:\n  - type: spotinst\n    concurrency: 16\ncache:\n  ttl: 3600\n");
    const env = { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), ...sim.env };
    const withConfig = { ...env, ROLLCALL_CONFIG: config };
    const output = await capture(["--list"], withConfig);
    const saved = join(dir, "inventory.json");
    await writeFile(saved, output);
    const host = Object.keys(JSON.parse(output)._meta.hostvars)[0]!;
    const floor = `const s=require("fs").readFileSync(${JSON.stringify(saved)},"utf8");process.stdout.write(JSON.stringify(JSON.parse(s))+"\\n")`;
    const r = await interleaved(
      {
        floor: () => measureNode(["-e", floor], env),
        list: () => measureNode([CLI, "--list"], withConfig),
        sub: () => measureNode([CLI, "inventory", "--list", "-c", config], env),
        host: () => measureNode([CLI, "--host", host], withConfig),
        subHost: () => measureNode([CLI, "inventory", "--host", host, "-c", config], env),
      },
      ROUNDS,
    );
    for (const name of ["list", "sub"] as const) {
      if (r[name]!.runs.some((x) => x.stdoutBytes !== r.floor!.runs[0]!.stdoutBytes))
        throw new Error(`${name} printed a different amount than the floor`);
    }
    const f = r.floor!.ms;
    return [
      {
        name: `10,000 hosts / 500 groups: floor (node: read + parse + print the same ${(output.length / 1e6).toFixed(1)} MB), median of ${ROUNDS}`,
        value: f,
        unit: "ms",
      },
      versus("  rollcall --list (Ansible's call), cache hit", r.list!, r.floor!, 1.0),
      {
        name: "  rollcall --list, cache hit: peak RSS",
        value: r.list!.maxRssMb,
        unit: "MB",
        target: "≤ 150 MB",
        ok: r.list!.maxRssMb <= 150,
      },
      versus("  rollcall inventory --list -c FILE, cache hit", r.sub!, r.floor!, 1.2),
      versus("  rollcall --host NAME, cache hit", r.host!, r.floor!, 1.2),
      versus("  rollcall inventory --host NAME -c FILE, cache hit", r.subHost!, r.floor!, 1.2),
      { name: "  floor: peak RSS", value: r.floor!.maxRssMb, unit: "MB" },
    ];
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchInventorySmallHit(): Promise<BenchFigure[]> {
  const sim = await startSimulator();
  const dir = await mkdtemp(join(tmpdir(), "rollcall-bench-small-"));
  const redis = hasProgram("redis-server") ? await startRedis() : undefined;
  try {
    const sources = "sources:\n  - type: spotinst\n  - type: aws\n    regions: [us-east-1, eu-west-1]\n";
    const config = join(dir, "inv.yml");
    await writeFile(config, `${sources}cache:\n  ttl: 3600\n`);
    const env = { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), ...sim.env };
    const withConfig = { ...env, ROLLCALL_CONFIG: config };
    const variants: Record<string, () => Promise<import("./measure-process.js").ProcessRun>> = {
      floor: () => measureNode(["-e", "0"], env),
      list: () => measureNode([CLI, "--list"], withConfig),
    };
    await capture(["--list"], withConfig);
    if (redis) {
      const shared = join(dir, "redis.yml");
      await writeFile(shared, `${sources}cache:\n  ttl: 3600\n  url: ${redis.url}\n`);
      const redisEnv = { ...env, ROLLCALL_CONFIG: shared, ROLLCALL_REDIS_PASSWORD: redis.password };
      await capture(["--list"], redisEnv);
      variants.redis = () => measureNode([CLI, "--list"], redisEnv);
    }
    const r = await interleaved(variants, ROUNDS);
    const f = r.floor!.ms;
    const figures: BenchFigure[] = [
      {
        name: `3-group inventory (Spotinst + AWS): floor (node -e 0), median of ${ROUNDS}`,
        value: f,
        unit: "ms",
      },
      versus("  rollcall --list, cache hit (lean path)", r.list!, r.floor!, 1.3),
    ];
    if (r.redis)
      figures.push(
        ratio("  rollcall --list, Redis store hit (normal path; for information)", r.redis.ms / f, undefined),
      );
    return figures;
  } finally {
    await redis?.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
