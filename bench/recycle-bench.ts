// Runner overhead on a recycle (DESIGN.md: "a 100-host recycle at serial: 10 finishes within
// 5 % + 1 s of the simulated cloud time"). 100 stateful instances in one group, a fixed simulated
// recycle (accept 2 + stop 20 + start 40 + boot 5 s), the recycle play with `serial: 10`, run
// in-process through `rollcall play` against the simulator: real HTTP, real TCP waits.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "../src/cli/context.js";
import { runCli } from "../src/cli/main.js";
import { fleetSchema } from "../src/sim/fleet.js";
import { startSimulator } from "../src/sim/index.js";

export interface RecycleBenchFigure {
  name: string;
  value: number;
  unit: string;
  target?: number;
}

const INSTANCES = 100;
const SERIAL = 10;
/** Simulated seconds of one recycle, from the PUT until the port listens on the new address. */
const TIMINGS = { accept: 2, recycle: { stop: 20, start: 40 }, boot: 5 };
const RECYCLE_SIM_S = 2 + 20 + 40 + 5;
/** 67 simulated s → ≈1.1 s real per batch, ≈11 s for the ten batches. */
const TIME_SCALE = 60;

const PLAYBOOK = `- hosts: bench-stateful
  serial: ${SERIAL}
  order: oldest_first
  max_fail_percentage: 0
  tasks:
    - spotinst_stateful: { state: recycled, poll_interval: 0.05 }
      register: recycled
    - wait_for: { host: "{{ recycled.stateful.privateIp }}", port: 9092, timeout: 60 }
`;

export async function benchRecycle(): Promise<RecycleBenchFigure[]> {
  const fleet = fleetSchema.parse({
    timings: TIMINGS,
    accounts: [
      {
        id: "act-be4c0002",
        token: "sim-token-recycle-bench",
        groups: [{ id: "sig-be4c0002", name: "bench-stateful", ports: [9092], count: INSTANCES }],
      },
    ],
  });
  const sim = await startSimulator({ fleet, timeScale: TIME_SCALE });
  const dir = await mkdtemp(join(tmpdir(), "rollcall-recycle-bench-"));
  try {
    const inventory = join(dir, "inventory.yml");
    await writeFile(inventory, "sources:\n  - type: spotinst\ncache:\n  enabled: false\n");
    await writeFile(join(dir, "bench.yml"), PLAYBOOK);
    const ctx: CliContext = {
      env: { ...sim.env, HOME: dir, XDG_STATE_HOME: join(dir, "state"), XDG_CACHE_HOME: join(dir, "cache") },
      cwd: dir,
      homeDir: dir,
      stdout: () => {},
      stderr: () => {},
      stdoutIsTTY: false,
      exitCode: 0,
    };
    // Forks ≥ serial, so a batch's ten recycles really run side by side.
    const started = performance.now();
    const code = await runCli(["play", "bench.yml", "-i", inventory, "--forks", String(SERIAL)], ctx);
    const wallS = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`recycle bench play failed with exit ${code}`);
    if (sim.shared.mutatingCalls.spotinst !== INSTANCES)
      throw new Error("not every instance was recycled once");
    const cloudS = ((INSTANCES / SERIAL) * RECYCLE_SIM_S) / TIME_SCALE;
    const overheadS = wallS - cloudS;
    return [
      { name: "recycle 100 SSIs serial 10: runner wall time", value: wallS, unit: "s" },
      { name: "recycle 100 SSIs serial 10: simulated cloud time", value: cloudS, unit: "s" },
      {
        name: "recycle 100 SSIs serial 10: runner overhead over cloud time",
        value: overheadS,
        unit: "s",
        target: Number((cloudS * 0.05 + 1).toFixed(2)),
      },
    ];
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
