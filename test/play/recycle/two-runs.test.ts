// Issue 12's two-runs drill: a second run started against a group that a first run is recycling
// is refused fast (≤ 2 s) with one line naming the holder and when its lease expires; the first
// run succeeds; every instance is replaced exactly once. On one machine with a shared state dir
// (the local lock), with separate state dirs (the cloud lease), and as "two machines" — a second
// process of the built CLI with its own state dir. Also two runs started at the same instant.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { completeAction } from "../../../src/sim/aws/asg-lifecycle.js";
import type { Simulator } from "../../../src/sim/index.js";
import { CLI } from "../../helpers/cli.js";
import { memoryContext } from "../support.js";
import { count, kafka, members, playbook, REGION, startAsgSim, terminated, until } from "./asg-support.js";
import { apiActions, FAST, PLAYBOOK, type RecycleRig, SSIS, startRig } from "./support.js";

const HOLDER =
  /is being recycled by another rollcall run \(run [\w-]+, host \S+, pid \d+\); its lease expires \d{4}-\d\d-\d\dT[\d:.]+Z/;

interface Home {
  dir: string;
  env: Record<string, string>;
}

async function home(base: Record<string, string>, dirs: string[]): Promise<Home> {
  const dir = await mkdtemp(join(tmpdir(), "rollcall-two-"));
  dirs.push(dir);
  return {
    dir,
    env: { ...base, HOME: dir, XDG_STATE_HOME: join(dir, "state"), XDG_CACHE_HOME: join(dir, "cache") },
  };
}

/** `rollcall play` in-process, text output (what an operator sees), with its wall time. */
async function play(cwd: string, env: Record<string, string>, args: string[]) {
  const ctx = memoryContext(cwd, env);
  const t0 = performance.now();
  const code = await runCli(["play", ...args], ctx, { play: { showElapsed: false } });
  return { code, out: ctx.out.join(""), err: ctx.err.join(""), ms: performance.now() - t0 };
}

const refusalLines = (text: string) =>
  text.split("\n").filter((l) => HOLDER.test(l) || /being changed outside this run/.test(l));

describe("two runs against one ASG", () => {
  let sim: Simulator;
  let work: string;
  const dirs: string[] = [];
  beforeEach(async () => {
    sim = await startAsgSim();
    work = await mkdtemp(join(tmpdir(), "rollcall-two-"));
    dirs.push(work);
    await writeFile(join(work, "play.yml"), playbook({ waitTimeout: 20 }));
    await writeFile(
      join(work, "inv.yml"),
      `sources:\n  - type: aws\n    name: sim\n    regions: [${REGION}]\ncache: { enabled: false }\n`,
    );
  });
  afterEach(async () => {
    await sim.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  const args = () => [join(work, "play.yml"), "-i", join(work, "inv.yml")];

  /** Start run A; once its first surge is under way, run B; then let A finish. */
  async function drill(bHome: Home, aHome: Home) {
    const asg = kafka(sim);
    const outdated = members(sim, asg)
      .filter((m) => m.outdated)
      .map((m) => m.id);
    const mark = sim.shared.timeline.length;
    const a = play(work, aHome.env, args());
    await until(() => count(sim, "SetDesiredCapacity") >= 1, 20_000);
    const b = await play(work, bHome.env, args());
    const ra = await a;
    return { ra, b, outdated, gone: terminated(sim, mark) };
  }

  for (const variant of ["shared state dir", "separate state dirs"] as const) {
    it(`same machine, ${variant}: the second run is refused in ≤ 2 s with one line; the first succeeds`, async () => {
      const aHome = await home(sim.env, dirs);
      const bHome = variant === "shared state dir" ? aHome : await home(sim.env, dirs);
      const { ra, b, outdated, gone } = await drill(bHome, aHome);
      expect(b.code).toBe(2);
      expect(b.ms).toBeLessThan(2_000);
      const lines = refusalLines(b.out + b.err);
      expect(lines, b.out + b.err).toHaveLength(1);
      expect(lines[0]).toMatch(HOLDER);
      // Shared dir: the local lock speaks first; separate dirs: the ASG's lease tag. Same words.
      expect(lines[0]).toContain("ASG kafka-asg-prod is being recycled by another rollcall run");
      expect(ra.code, ra.out + ra.err).toBe(0);
      expect(gone.sort()).toEqual([...outdated].sort()); // each outdated instance replaced exactly once
      expect(kafka(sim).tags.filter((t) => t.key.startsWith("rollcall:"))).toEqual([]);
    });
  }

  it("two machines: a second rollcall process with its own state dir is refused with one line", async () => {
    const aHome = await home(sim.env, dirs);
    const bHome = await home(sim.env, dirs);
    const asg = kafka(sim);
    // A launch hook holds run A's first replacement in Pending:Wait until the second process
    // (Node start-up, SDK load: seconds on a busy machine) has been refused.
    asg.hooks.push({
      name: "hold",
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      heartbeat_timeout: 1e6, // beyond the API's limit on purpose: held until the test lets go
      default_result: "CONTINUE",
    });
    const outdated = members(sim, asg)
      .filter((m) => m.outdated)
      .map((m) => m.id);
    const mark = sim.shared.timeline.length;
    const a = play(work, aHome.env, args());
    await until(() => count(sim, "SetDesiredCapacity") >= 1, 20_000);
    const b = await runChild(["play", ...args()], bHome.env);
    asg.hooks = [];
    for (const inst of sim.aws.world.instances.values()) {
      if (inst.lifecycleState === "Pending:Wait") completeAction(sim.aws.world, asg, inst, "CONTINUE");
    }
    const ra = await a;
    expect(b.code, b.stdout + b.stderr).toBe(2);
    const lines = refusalLines(b.stdout + b.stderr);
    expect(lines, b.stdout + b.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(HOLDER);
    // The refusal itself (from the process's first output to its exit) is fast; the process
    // start (Node, the SDK) is not rollcall's to count.
    expect(b.refusedMs).toBeLessThan(2_000);
    expect(ra.code, ra.out + ra.err).toBe(0);
    expect(terminated(sim, mark).sort()).toEqual([...outdated].sort());
  });

  it("two runs started in the same instant (separate state dirs): exactly one goes on", async () => {
    const aHome = await home(sim.env, dirs);
    const bHome = await home(sim.env, dirs);
    const asg = kafka(sim);
    const outdated = members(sim, asg)
      .filter((m) => m.outdated)
      .map((m) => m.id);
    const mark = sim.shared.timeline.length;
    const [ra, rb] = await Promise.all([play(work, aHome.env, args()), play(work, bHome.env, args())]);
    const codes = [ra.code, rb.code].sort();
    expect(codes, ra.out + rb.out).toEqual([0, 2]);
    const loser = ra.code === 2 ? ra : rb;
    expect(refusalLines(loser.out + loser.err)).toHaveLength(1);
    expect(loser.ms).toBeLessThan(2_000 + 1_000); // + the inventory load both runs share the CPU for
    expect(terminated(sim, mark).sort()).toEqual([...outdated].sort());
  });
});

describe("two runs against one Spotinst group", () => {
  let rig: RecycleRig | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  for (const variant of ["shared state dir", "separate state dirs"] as const) {
    it(`${variant}: refused in ≤ 2 s with one line while the first recycles; each instance recycled once`, async () => {
      // ×40: each recycle takes ≈ 1.5 s, long enough for the second run to meet one under way.
      rig = await startRig({ timeScale: 40 });
      const sim = rig.sim;
      const aEnv = rig.env;
      const bEnv = variant === "shared state dir" ? rig.env : (await home(rig.env, dirs)).env;
      const a = play(rig.dir, aEnv, [PLAYBOOK, "-i", rig.inventory, ...FAST]);
      await until(() => sim.world.findSsi(SSIS[0]!)!.state === "RECYCLING", 20_000);
      const b = await play(rig.dir, bEnv, [PLAYBOOK, "-i", rig.inventory, ...FAST]);
      const ra = await a;
      expect(b.code).toBe(2);
      expect(b.ms).toBeLessThan(2_000);
      const lines = refusalLines(b.out + b.err);
      expect(lines, b.out + b.err).toHaveLength(1);
      if (variant === "shared state dir") expect(lines[0]).toMatch(HOLDER);
      else expect(lines[0]).toContain(`${SSIS[0]} RECYCLING, not in this run's journal`);
      expect(ra.code, ra.out + ra.err).toBe(0);
      const actions = apiActions(sim.shared.timeline).map((x) => x.subject);
      expect(actions).toEqual(SSIS);
    });
  }
});

/** The built CLI as a second machine would run it; `refusedMs`: first output to exit. */
function runChild(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; refusedMs: number }>((done) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let first: number | undefined;
    child.stdout.on("data", (d) => {
      first ??= performance.now();
      stdout += d;
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) =>
      done({ code, stdout, stderr, refusedMs: performance.now() - (first ?? performance.now()) }),
    );
  });
}
