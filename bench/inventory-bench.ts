// Inventory benchmarks (DESIGN.md "Performance"): a cache hit for 10,000 hosts in 500 groups, and
// a cold fetch of 500 groups at 50 ms per request.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFleet } from "../src/sim/fleet.js";
import { startSimulator } from "../src/sim/index.js";
import { type BenchFigure, measureCli, median } from "./measure.js";

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

export async function benchInventoryCacheHit(): Promise<BenchFigure[]> {
  const fleet = generateFleet({ groups: 500, instancesPerGroup: 20, listen: false });
  return withSim({ fleet }, 16, async (args, env) => {
    const cold = await measureCli(args, env);
    if (cold.code !== 0) throw new Error(`cold run exited ${cold.code}`);
    const figures: BenchFigure[] = [];
    // What Ansible runs (`<script> --list`, config from the env), then the subcommand form.
    const config = args[args.indexOf("-c") + 1]!;
    const forms: [string, string[], NodeJS.ProcessEnv][] = [
      ["rollcall --list (Ansible's call)", ["--list"], { ...env, ROLLCALL_CONFIG: config }],
      ["rollcall inventory --list -c FILE", args, env],
    ];
    for (const [label, argv, e] of forms) {
      const runs = [];
      for (let i = 0; i < 7; i++) runs.push(await measureCli(argv, e));
      const ms = median(runs.map((r) => r.ms));
      const rss = Math.max(...runs.map((r) => r.maxRssMb));
      figures.push(
        {
          name: `${label}, cache hit, 10,000 hosts / 500 groups: wall (median of 7)`,
          value: ms,
          unit: "ms",
          target: "≤ 300 ms",
          ok: ms <= 300,
        },
        { name: `${label}, cache hit: peak RSS`, value: rss, unit: "MB", target: "≤ 150 MB", ok: rss <= 150 },
      );
    }
    return figures;
  });
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
