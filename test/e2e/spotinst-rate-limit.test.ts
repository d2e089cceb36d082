// The built CLI (`rollcall --list`, as Ansible runs it) against a simulator that enforces Spot's
// rate limit: a sliding 60 s window per route and method, X-RateLimit-* on every answer.
//
// Time scale: the simulator's window is 60 *simulated* seconds, and it states X-RateLimit-Reset in
// wall-clock seconds (simulated ÷ --time-scale), so the unmodified client paces itself correctly
// against a fast simulator. Times below are converted back to simulated seconds for the ratios.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateFleet, type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

const SSI_ROUTE = "GET /aws/ec2/group/{groupId}/statefulInstance";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-ratelimit-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function listInventory(s: Simulator, concurrency: number, extra: string[] = []) {
  const config = join(dir, `inv-${concurrency}.yml`);
  await writeFile(config, `sources:\n  - type: spotinst\n    name: sim\n    concurrency: ${concurrency}\n`);
  const cache = await mkdtemp(join(dir, "cache-"));
  return runCli(["--list", ...extra], {
    ...s.env,
    HOME: dir,
    XDG_CACHE_HOME: cache,
    ROLLCALL_CONFIG: config,
  });
}

type Logged = {
  at: number;
  path: string;
  route: string;
  status: number;
  receivedAt: number;
  retryAt?: number;
};
function requestLog(s: Simulator): Logged[] {
  return s.shared.timeline
    .filter((e) => e.type === "request")
    .map((e) => ({
      at: e.at,
      path: e.subject,
      route: String(e.detail.route),
      status: Number(e.detail.status),
      receivedAt: Number(e.detail.receivedAt),
      ...(typeof e.detail.retryAt === "number" && { retryAt: e.detail.retryAt }),
    }));
}

describe("rollcall --list under Spot's rate limit", () => {
  it("200 stateful groups at 60 GET/min, concurrency 16: the whole inventory, no 429, within 1.2x the ideal pacing", async () => {
    const scale = 15;
    const fleet = generateFleet({ groups: 200, instancesPerGroup: 1, nonStatefulEvery: 0 });
    sim = await startSimulator({ fleet, rateLimit: 60, timeScale: scale, logRequests: true });
    const run = await listInventory(sim, 16);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");

    const inventory = JSON.parse(run.stdout);
    const ips = sim.world.accounts[0]!.groups.flatMap((g) => g.ssis.map((s) => s.privateIp));
    expect(Object.keys(inventory._meta.hostvars).sort()).toEqual([...ips].sort());
    expect(ips).toHaveLength(200);

    const stats = sim.spotinstStats;
    console.log(
      "per-route requests:",
      stats.byRoute,
      "429s:",
      stats.throttledByRoute,
      "early:",
      stats.earlyRetries,
    );
    expect(stats.byRoute).toEqual({ "GET /aws/ec2/group": 1, [SSI_ROUTE]: 200 });
    expect(stats.throttledByRoute).toEqual({});

    // Ideal: requests ÷ limit × 60 s on the one limited route = 200 simulated seconds.
    const idealSimMs = (200 / 60) * 60_000;
    const tookSimMs = run.ms * scale;
    const log = requestLog(sim);
    const spanSimMs = log.at(-1)!.at - log[0]!.at;
    console.log(
      `took ${(tookSimMs / 1000).toFixed(0)} simulated s (${(run.ms / 1000).toFixed(2)} s real), ` +
        `requests spanned ${(spanSimMs / 1000).toFixed(0)} s, ideal ${idealSimMs / 1000} s: ` +
        `${(tookSimMs / idealSimMs).toFixed(2)}x`,
    );
    expect(tookSimMs).toBeLessThanOrEqual(1.2 * idealSimMs);
    // And it really was held back: 200 requests at 60 a minute need three full windows.
    expect(spanSimMs).toBeGreaterThanOrEqual(3 * 60_000);
  });

  it("-v prints one line per rate-limit wait, in seconds", async () => {
    const fleet = generateFleet({ groups: 12, instancesPerGroup: 1, nonStatefulEvery: 0 });
    sim = await startSimulator({ fleet, rateLimit: 5, timeScale: 100 });
    const r = await listInventory(sim, 4, ["-v"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `rollcall: spotinst: token from env SPOTINST_API_TOKEN, account ${sim.env.SPOTINST_ACCOUNT_ID} from env SPOTINST_ACCOUNT_ID`,
    );
    const waits = r.stderr.split("\n").filter((l) => l.includes("rate limited on"));
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const line of waits)
      expect(line).toMatch(
        /^rollcall: spotinst: rate limited on GET \/aws\/ec2\/group\/\{id\}\/statefulInstance: waiting \d+(\.\d+)? s$/,
      );
    expect(sim.spotinstStats.throttledByRoute).toEqual({});
    expect(r.stdout + r.stderr).not.toContain(sim.env.SPOTINST_API_TOKEN);
  });

  it("a storm of 30 % 429s in Spot's shape: byte-identical output, and no retry before its Reset", async () => {
    const fleet = generateFleet({ groups: 30, instancesPerGroup: 2, nonStatefulEvery: 5 });
    sim = await startSimulator({ fleet, timeScale: 1000, logRequests: true, seed: 7 });
    const clean = await listInventory(sim, 8);
    expect(clean.code, clean.stderr).toBe(0);
    const before = requestLog(sim).length;

    sim.shared.faults.setRate(0.3, "throttle");
    const stormy = await listInventory(sim, 8);
    sim.shared.faults.setRate(0);
    expect(stormy.stderr).toBe("");
    expect(stormy.code).toBe(0);
    expect(stormy.stdout).toBe(clean.stdout);
    expect(stormy.stdout).not.toContain(sim.env.SPOTINST_API_TOKEN);

    const log = requestLog(sim).slice(before);
    const refused = log.filter((e) => e.status === 429);
    console.log(
      `${log.length} requests, ${refused.length} answered 429, early retries: ${sim.spotinstStats.earlyRetries}`,
    );
    expect(refused.length).toBeGreaterThan(5);
    // Each path is asked for once per run, so the next request on a refused path is its retry:
    // it must arrive after the Reset that 429 named. (The simulator also counts requests on the
    // same route that reach it during a block — `early` above: with 8 in flight, the ones already
    // sent when an unforeseeable 429 went out land there. Spot would push the reset for those too;
    // no client can call back a request it has sent.)
    for (const no of refused) {
      const retry = log.find((e) => e.path === no.path && e.receivedAt > no.at);
      expect(retry, `retry of ${no.path}`).toBeDefined();
      expect(retry!.receivedAt, `retry of ${no.path}`).toBeGreaterThanOrEqual(no.retryAt!);
    }
  });
});
