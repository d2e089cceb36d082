// Faults, hangs, concurrent runs, a damaged cache and secrets — through the built CLI against the
// simulator, as a user (or Ansible) would run it.
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;

let sim: Sim;
let home: string;
let env: Record<string, string>;
let config: string;
let token: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 1000 });
  token = sim.env.SPOTINST_API_TOKEN!;
  home = await mkdtemp(join(tmpdir(), "rollcall-resil-"));
  config = join(home, "inv.yml");
  // Short timeout so a hung request is cut quickly; short TTL so "expired" is cheap to reach.
  await writeFile(
    config,
    "sources:\n  - type: spotinst\n    name: sim\n    timeout: 1\ncache:\n  ttl: 0.2\n",
  );
});
afterAll(() => sim?.close());

beforeEach(async () => {
  sim.shared.faults.setRate(0);
  env = { ...sim.env, HOME: home, XDG_CACHE_HOME: await mkdtemp(join(home, "cache-")) };
});

const list = (extra: string[] = [], e = env) => runCli(["inventory", "--list", "-c", config, ...extra], e);

async function cacheFiles(): Promise<string[]> {
  const dir = join(env.XDG_CACHE_HOME!, "rollcall");
  return (await readdir(dir)).filter((f) => !f.includes(".tmp")).map((f) => join(dir, f));
}

describe("inventory resilience", () => {
  it("gives the same inventory under a 30% fault rate (5xx + 429), in bounded time", async () => {
    const clean = await list(["--refresh-cache"]);
    expect(clean.code, clean.stderr).toBe(0);
    sim.shared.faults.setRate(0.3);
    for (let i = 0; i < 3; i++) {
      const faulty = await list(["--refresh-cache"]);
      expect(faulty.stderr).toBe("");
      expect(faulty.code).toBe(0);
      expect(faulty.stdout).toBe(clean.stdout);
      expect(faulty.ms).toBeLessThan(30_000);
    }
  });

  it("cuts a hung request at the timeout and retries it", async () => {
    const clean = await list(["--refresh-cache"]);
    sim.shared.faults.inject("hang", 1, "statefulInstance");
    const hung = await list(["--refresh-cache", "-v"]);
    expect(hung.code).toBe(0);
    expect(hung.stdout).toBe(clean.stdout);
    expect(hung.stderr).toMatch(/retrying.*(timed out|timeout)/i);
    expect(hung.ms).toBeGreaterThan(900);
    expect(hung.ms).toBeLessThan(15_000);
  });

  it("ten concurrent runs on an expired cache print identical JSON and leave a valid 0600 cache", async () => {
    const first = await list();
    expect(first.code).toBe(0);
    await new Promise((r) => setTimeout(r, 300)); // past the 0.2 s TTL
    const runs = await Promise.all(Array.from({ length: 10 }, () => list()));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      expect(() => JSON.parse(r.stdout)).not.toThrow();
      expect(r.stdout).toBe(first.stdout);
    }
    const files = await cacheFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = await readFile(f, "utf8");
      expect(() => JSON.parse(text)).not.toThrow();
      expect(text).not.toContain(token);
      expect((await stat(f)).mode & 0o777).toBe(0o600);
    }
  });

  it("recovers silently from a truncated cache file", async () => {
    const first = await list();
    const [f] = await cacheFiles();
    const size = (await stat(f!)).size;
    await truncate(f!, Math.floor(size / 2));
    const again = await list();
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    expect(again.stdout).toBe(first.stdout);
    // The truncated entry is rewritten or replaced (the built-output entry is keyed by its inputs):
    // either way every cache file left behind parses.
    const after = await cacheFiles();
    expect(after.length).toBeGreaterThan(0);
    for (const file of after) expect(() => JSON.parse(readFileSync(file, "utf8"))).not.toThrow();
  });

  it("never shows the token: -vvv with retries, --debug, API errors, cache files", async () => {
    sim.shared.faults.setRate(0.3);
    const noisy = await list(["--refresh-cache", "-vvv", "--debug"]);
    sim.shared.faults.setRate(0);
    const wrongAccount = await list(["--refresh-cache", "-vvv", "--debug"], {
      ...env,
      SPOTINST_ACCOUNT_ID: "act-00000000",
    });
    const wrongToken = await list(["--refresh-cache", "-vvv", "--debug"], {
      ...env,
      SPOTINST_API_TOKEN: "wrong-token-abcdef",
    });
    expect(wrongAccount.code).toBe(3);
    expect(wrongToken.code).toBe(3);
    for (const r of [noisy, wrongAccount, wrongToken]) {
      expect(r.stdout + r.stderr).not.toContain(token);
      expect(r.stdout + r.stderr).not.toContain("wrong-token-abcdef");
    }
    for (const f of await cacheFiles()) expect(await readFile(f, "utf8")).not.toContain(token);
  });
});
