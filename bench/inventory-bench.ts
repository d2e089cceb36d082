// Inventory benchmark (DESIGN.md "Performance"): a cold fetch of 500 groups at 50 ms per request.
// The cache-hit benchmarks are in inventory-hit-bench.ts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFleet } from "../src/sim/fleet.js";
import { startSimulator } from "../src/sim/index.js";
import { type BenchFigure, measureCli } from "./measure.js";

async function withSim<T>(
  options: Parameters<typeof startSimulator>[0],
  concurrency: number,
  fn: (args: string[], env: NodeJS.ProcessEnv) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator(options);
  const dir = await mkdtemp(join(tmpdir(), "rollcall-bench-"));
  try {
    const config = join(dir, "inv.yml");
    await writeFile(
      config,
      `sources:\n  - type: spotinst\n    concurrency: ${concurrency}\ncache:\n  ttl: 3600\n`,
    );
    const env = { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), ...sim.env };
    return await fn(["inventory", "--list", "-c", config], env);
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchInventoryColdFetch(): Promise<BenchFigure[]> {
  const groups = 500;
  const latencyMs = 50;
  const figures: BenchFigure[] = [];
  for (const concurrency of [4, 16]) {
    // All stateful: one list call plus one statefulInstance call per group.
    const fleet = generateFleet({ groups, instancesPerGroup: 2, listen: false, nonStatefulEvery: 0 });
    const requests = 1 + groups;
    const ideal = (requests * latencyMs) / concurrency;
    const run = await withSim({ fleet, latencyMs }, concurrency, (args, env) =>
      measureCli([...args, "--refresh-cache"], env),
    );
    if (run.code !== 0) throw new Error(`cold fetch exited ${run.code}`);
    figures.push({
      name: `cold fetch, ${groups} groups, ${latencyMs} ms/request, concurrency ${concurrency} (ideal ${Math.round(ideal)} ms)`,
      value: run.ms / ideal,
      unit: "× ideal",
      target: "≤ 1.5×",
      ok: run.ms / ideal <= 1.5,
    });
  }
  return figures;
}
