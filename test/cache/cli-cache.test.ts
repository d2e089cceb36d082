// The inventory cache through the built CLI against the simulator, as Ansible (and a fleet of CI
// runners) would use it: the lean hit path and what it loads, one fetch per expiry across
// processes (directory store, then Redis), two machines sharing Redis, Redis going away, stale
// results under throttling, trust checks on the directory, and invalidation after a recycle.
import { execFileSync } from "node:child_process";
import { chmod, chown, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { loadInventory } from "../../src/inventory/collect.js";
import { startSimulator } from "../../src/sim/index.js";
import { CLI, type CliRun, runCli, runProgram } from "../helpers/cli.js";
import { hasProgram } from "../helpers/programs.js";
import { type RedisFixture, redisAvailability, startRedis } from "../helpers/redis.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;

let sim: Sim;
let home: string;
let counter = 0;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 1000 });
  home = await mkdtemp(join(tmpdir(), "rollcall-cli-cache-"));
});
afterAll(async () => {
  await sim?.close();
  await rm(home, { recursive: true, force: true });
});

const spotinstRequests = () => sim.spotinstStats.requests;
const awsRequests = () => Object.values(sim.aws.world.requestCounts).reduce((a, b) => a + b, 0);

async function config(body: string): Promise<string> {
  const file = join(home, `inv-${++counter}.yml`);
  await writeFile(file, body);
  return file;
}

async function freshEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { ...sim.env, HOME: home, XDG_CACHE_HOME: await mkdtemp(join(home, "xdg-")), ...extra };
}

const SPOTINST = "sources:\n  - type: spotinst\n    name: sim\n";
const BOTH = `${SPOTINST}  - type: aws\n    name: asgs\n    regions: [us-east-1, eu-west-1]\n`;
const list = (file: string, env: Record<string, string>, extra: string[] = []) =>
  runCli(["inventory", "--list", "-c", file, ...extra], env);

function ok(r: CliRun): CliRun {
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("the lean hit path", () => {
  let file: string;
  let env: Record<string, string>;
  let expected: string;

  beforeAll(async () => {
    file = await config(`${BOTH}cache:\n  ttl: 600\n`);
    env = await freshEnv({ ROLLCALL_CONFIG: file });
    expected = ok(await list(file, env)).stdout;
  }, 120_000);

  it("prints the same bytes as the normal path, for --list and --host, without a request", async () => {
    const before = [spotinstRequests(), awsRequests()];
    const bare = ok(await runCli(["--list"], env));
    expect(bare.stdout).toBe(expected);
    expect(bare.stderr).toBe("");
    expect(ok(await list(file, env)).stdout).toBe(expected);
    const hosts = Object.keys(JSON.parse(expected)._meta.hostvars);
    const host = ok(await runCli(["--host", hosts[0]!], env));
    expect(JSON.parse(host.stdout)).toEqual(JSON.parse(expected)._meta.hostvars[hosts[0]!]);
    expect(ok(await runCli(["inventory", "--host", "constructor", "-c", file], env)).stdout).toBe("{}\n");
    expect([spotinstRequests(), awsRequests()]).toEqual(before);
    const verbose = ok(await runCli(["--list", "-v"], env));
    expect(verbose.stderr).toBe("rollcall: inventory from the cached built output\n");
  });

  it("loads neither the AWS SDK, zod, yaml, keyv nor yargs on a hit (a loader hook records every module)", async () => {
    const dir = await mkdtemp(join(home, "hook-"));
    await writeFile(
      join(dir, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(join(dir, "loaded.log"))}, r.url + "\\n");
  return r;
}\n`,
    );
    await writeFile(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`,
    );
    const traced = async (args: string[], e: Record<string, string>) => {
      await writeFile(join(dir, "loaded.log"), "");
      const r = ok(
        await runProgram(process.execPath, ["--import", join(dir, "register.mjs"), CLI, ...args], e),
      );
      return { r, loaded: (await readFile(join(dir, "loaded.log"), "utf8")).split("\n").filter(Boolean) };
    };
    const heavy = /@aws-sdk|\/zod\/|\/yaml\/|\/keyv\/|\/yargs\/|\/handlebars\/|\/axios\//;
    const hit = await traced(["--list"], env);
    expect(hit.r.stdout).toBe(expected);
    expect(hit.loaded.some((u) => u.endsWith("/cache/lean-output.js"))).toBe(true);
    expect(hit.loaded.filter((u) => heavy.test(u))).toEqual([]);
    // rollcall's own modules on this path: main, errors, context, inventory-lean, and the cache's
    // lean-output, entry-file, dir-trust, quick-hash.
    const ours = new Set(hit.loaded.filter((u) => u.startsWith("file:") && !u.includes("/hook-")));
    expect(ours.size).toBeLessThanOrEqual(8);
    // The control: a miss goes through the hook and does load them.
    const miss = await traced(["--list"], await freshEnv({ ROLLCALL_CONFIG: file }));
    for (const name of ["zod", "yaml", "aws-sdk"])
      expect(miss.loaded.some((u) => u.includes(name))).toBe(true);
  }, 120_000);

  it("a config change applies on a hit from the raw cache, without a request", async () => {
    const changed = await config(`${BOTH}sanitize_group_names: true\ncache:\n  ttl: 600\n`);
    const before = [spotinstRequests(), awsRequests()];
    const r = ok(await list(changed, env));
    expect([spotinstRequests(), awsRequests()]).toEqual(before);
    expect(r.stdout).not.toBe(expected);
    expect(Object.keys(JSON.parse(r.stdout)).every((g) => /^[A-Za-z0-9_]+$/.test(g))).toBe(true);
  }, 60_000);

  it("a compose template that reads the environment keys the built output by that variable", async () => {
    const composed = await config(
      `${SPOTINST}compose:\n  site: "{{ lookup('env', 'SITE_NAME') }}"\ncache:\n  ttl: 600\n`,
    );
    const site = (r: CliRun) =>
      (Object.values(JSON.parse(r.stdout)._meta.hostvars)[0] as { site: string }).site;
    const alpha = { ...env, ROLLCALL_CONFIG: composed, SITE_NAME: "alpha" };
    expect(site(ok(await runCli(["--list"], alpha)))).toBe("alpha");
    const hit = ok(await runCli(["--list", "-v"], alpha));
    expect([site(hit), hit.stderr]).toEqual(["alpha", "rollcall: inventory from the cached built output\n"]);
    const beta = ok(await runCli(["--list", "-v"], { ...alpha, SITE_NAME: "beta" }));
    expect(site(beta)).toBe("beta");
    expect(beta.stderr).not.toContain("cached built output");
  }, 60_000);

  it("--refresh-cache bypasses and rewrites", async () => {
    const before = spotinstRequests();
    expect(ok(await list(file, env, ["--refresh-cache"])).stdout).toBe(expected);
    expect(spotinstRequests()).toBeGreaterThan(before);
    const after = spotinstRequests();
    expect(ok(await list(file, env)).stdout).toBe(expected);
    expect(spotinstRequests()).toBe(after);
  }, 60_000);

  it("after a recycle's invalidation the next call fetches again", async () => {
    let invalidate: (() => Promise<void>) | undefined;
    await loadInventory(file, {
      env,
      homeDir: home,
      cacheDir: join(env.XDG_CACHE_HOME!, "rollcall"),
      onCacheInvalidator: (fn) => {
        invalidate = fn;
      },
    });
    await invalidate!();
    const before = spotinstRequests();
    ok(await runCli(["--list"], env));
    expect(spotinstRequests()).toBeGreaterThan(before);
  }, 60_000);
});

describe("trust checks through the CLI", () => {
  async function tampered() {
    const file = await config(`${SPOTINST}cache:\n  ttl: 600\n`);
    const env = await freshEnv({ ROLLCALL_CONFIG: file });
    const good = ok(await runCli(["--list"], env)).stdout;
    const ip = Object.keys(JSON.parse(good)._meta.hostvars)[0]!;
    const dir = join(env.XDG_CACHE_HOME!, "rollcall");
    // What an attacker with write access would do: point a host at their address.
    for (const f of await readdir(dir)) {
      const path = join(dir, f);
      await writeFile(path, (await readFile(path, "utf8")).split(ip).join("127.0.0.99"), { mode: 0o600 });
    }
    expect(ok(await runCli(["--list"], env)).stdout).toContain("127.0.0.99");
    return { env, dir, good };
  }

  it("a cache dir writable by others is not served: the right inventory, a -v note saying how to fix it", async () => {
    const { env, dir, good } = await tampered();
    await chmod(dir, 0o777);
    const quiet = ok(await runCli(["--list"], env));
    expect(quiet.stdout).toBe(good);
    expect(quiet.stderr).toBe("");
    const loud = ok(await runCli(["--list", "-v"], env));
    expect(loud.stdout).toBe(good);
    expect(loud.stderr).toContain(`writable by group or others (mode 0777); fix with: chmod 700 ${dir}`);
  }, 60_000);

  it.runIf(process.getuid?.() === 0)(
    "a cache dir owned by another user is not served",
    async () => {
      const { env, dir, good } = await tampered();
      await chown(dir, 65534, 65534);
      const r = ok(await runCli(["--list", "-v"], env));
      expect(r.stdout).toBe(good);
      expect(r.stderr).toContain("owned by uid 65534, not by you");
    },
    60_000,
  );

  it.each([
    ["under /proc", "/proc/rollcall-cache-test"],
    ["under a file", "FILE"],
  ])(
    "an unusable cache dir (%s) is a miss with a -v note, exit 0",
    async (_what, where) => {
      const file = await config(`${SPOTINST}cache:\n  ttl: 600\n`);
      let xdg = where;
      if (where === "FILE") {
        xdg = join(home, `plain-file-${counter}`);
        await writeFile(xdg, "");
      }
      const env = { ...sim.env, HOME: home, XDG_CACHE_HOME: xdg, ROLLCALL_CONFIG: file };
      const r = ok(await runCli(["--list", "-v"], env));
      expect(Object.keys(JSON.parse(r.stdout)._meta.hostvars).length).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/cache: not using .*; set XDG_CACHE_HOME to a writable directory you own/);
      expect(r.ms).toBeLessThan(20_000);
    },
    60_000,
  );
});

describe("one fetch per expiry: 20 concurrent --list, directory store", () => {
  it("the simulator sees one fetch's requests; all 20 print the same inventory", async () => {
    const short = await config(`${SPOTINST}cache:\n  ttl: 0.2\n`);
    const long = await config(`${SPOTINST}cache:\n  ttl: 600\n  lock_wait: 60\n`);
    const env = await freshEnv();
    let before = spotinstRequests();
    const first = ok(await list(short, env));
    const oneFetch = spotinstRequests() - before;
    expect(oneFetch).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 300)); // the raw entry has expired
    before = spotinstRequests();
    const runs = await Promise.all(Array.from({ length: 20 }, () => list(long, env)));
    for (const r of runs) {
      ok(r);
      expect(r.stdout).toBe(first.stdout);
      expect(r.stderr).toBe("");
    }
    expect(spotinstRequests() - before).toBe(oneFetch);
  }, 180_000);
});

const redisOk = redisAvailability();

describe.runIf(redisOk.run)("the shared Redis store", () => {
  let redis: RedisFixture;
  let withRedis: (extra?: string) => Promise<string>;
  beforeAll(async () => {
    redis = await startRedis();
    withRedis = (extra = "") =>
      config(`${SPOTINST}cache:\n  url: ${redis.url}\n  key_prefix: cli-${counter}\n${extra}`);
  });
  afterAll(() => redis?.close());
  const redisEnv = (extra: Record<string, string> = {}) =>
    freshEnv({ ROLLCALL_REDIS_PASSWORD: redis.password, ...extra });

  it("20 concurrent --list on an expired entry: one fetch's requests, identical output", async () => {
    const prefix = `  key_prefix: sf-${Date.now()}\n`;
    const short = await config(`${SPOTINST}cache:\n  url: ${redis.url}\n${prefix}  ttl: 0.2\n`);
    const long = await config(
      `${SPOTINST}cache:\n  url: ${redis.url}\n${prefix}  ttl: 600\n  lock_wait: 60\n`,
    );
    const env = await redisEnv();
    let before = spotinstRequests();
    const first = ok(await list(short, env));
    const oneFetch = spotinstRequests() - before;
    await new Promise((r) => setTimeout(r, 300));
    before = spotinstRequests();
    // Each run on its own "machine" (its own XDG_CACHE_HOME): only Redis is shared.
    const runs = await Promise.all(
      Array.from({ length: 20 }, async () =>
        list(long, { ...env, XDG_CACHE_HOME: await mkdtemp(join(home, "m-")) }),
      ),
    );
    for (const r of runs) {
      ok(r);
      expect(r.stdout).toBe(first.stdout);
      expect(r.stderr).toBe("");
    }
    expect(spotinstRequests() - before).toBe(oneFetch);
  }, 180_000);

  it("two machines: the second is a hit after the first fetched", async () => {
    const file = await withRedis("  ttl: 600\n");
    const a = await redisEnv();
    const b = await redisEnv();
    const before = spotinstRequests();
    const first = ok(await list(file, a));
    const afterFirst = spotinstRequests();
    expect(afterFirst).toBeGreaterThan(before);
    const second = ok(await list(file, b, ["-v"]));
    expect(spotinstRequests()).toBe(afterFirst);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain("source sim: from cache");
    // Nothing of the token in Redis, in a key or a value.
    const { createClient } = await import("@keyv/redis");
    const client = createClient({ url: redis.url, password: redis.password });
    await client.connect();
    for (const k of await client.keys("*")) {
      expect(k).not.toContain(sim.env.SPOTINST_API_TOKEN!);
      expect((await client.get(k)) ?? "").not.toContain(sim.env.SPOTINST_API_TOKEN!);
    }
    client.destroy();
  }, 60_000);

  it.runIf(hasProgram("openssl"))(
    "rediss:// with a private CA (NODE_EXTRA_CA_CERTS)",
    async () => {
      const dir = await mkdtemp(join(home, "tls-"));
      const certFile = join(dir, "cert.pem");
      const keyFile = join(dir, "key.pem");
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          keyFile,
          "-out",
          certFile,
          "-days",
          "2",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ],
        { stdio: "ignore" },
      );
      const tls = await startRedis({ tls: { certFile, keyFile } });
      try {
        expect(tls.url).toMatch(/^rediss:/);
        const file = await config(`${SPOTINST}cache:\n  url: ${tls.url}\n  key_prefix: tls\n`);
        const env = { ROLLCALL_REDIS_PASSWORD: tls.password, NODE_EXTRA_CA_CERTS: certFile };
        const first = ok(await list(file, await freshEnv(env), ["-v"]));
        expect(first.stderr).not.toMatch(/Redis/);
        const before = spotinstRequests();
        const second = ok(await list(file, await freshEnv(env), ["-v"]));
        expect(spotinstRequests()).toBe(before);
        expect(second.stdout).toBe(first.stdout);
        // Without trusting the CA: a -v note, and the API answers.
        const untrusted = ok(
          await list(file, await freshEnv({ ROLLCALL_REDIS_PASSWORD: tls.password }), ["-v"]),
        );
        expect(untrusted.stdout).toBe(first.stdout);
        expect(untrusted.stderr).toMatch(/cache: Redis at 127\.0\.0\.1:\d+ is unavailable/);
      } finally {
        await tls.close();
      }
    },
    60_000,
  );

  it("refuses a password written in the URL, without echoing it", async () => {
    const file = await config(`${SPOTINST}cache:\n  url: redis://:hunter2-in-config@127.0.0.1:1/0\n`);
    const r = await list(file, await redisEnv());
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/must not contain a password/);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("Redis stopped: the right inventory, one -v note, exit 0", async () => {
    const file = await withRedis("  ttl: 600\n");
    const env = await redisEnv();
    const good = ok(await list(file, env)).stdout;
    await redis.stop();
    try {
      const quiet = ok(await list(file, env));
      expect(quiet.stdout).toBe(good);
      expect(quiet.stderr).toBe("");
      const loud = ok(await list(file, env, ["-v"]));
      expect(loud.stdout).toBe(good);
      const notes = loud.stderr.split("\n").filter((l) => /Redis/.test(l));
      expect(notes).toEqual([
        expect.stringMatching(
          /^rollcall: cache: Redis at 127\.0\.0\.1:\d+ is unavailable \(.+\); using the API$/,
        ),
      ]);
    } finally {
      await redis.start();
    }
  }, 60_000);
});

describe("stale_while_revalidate when the API throttles everything", () => {
  it("prints the stale inventory, exit 0, with a -v note", async () => {
    // A simulator of its own: its fault queue stays full of 429s.
    const throttling = await startSimulator({ timeScale: 1000 });
    try {
      const file = await config(
        "sources:\n  - type: spotinst\n    name: sim\n    retry: { attempts: 2, max_time: 2 }\ncache:\n  ttl: 0.2\n  stale_while_revalidate: 600\n",
      );
      const env = { ...throttling.env, HOME: home, XDG_CACHE_HOME: await mkdtemp(join(home, "swr-")) };
      const good = ok(await list(file, env)).stdout;
      await new Promise((r) => setTimeout(r, 300));
      throttling.shared.faults.inject("throttle", 1_000_000);
      const before = throttling.spotinstStats.faults.throttle;
      const r = ok(await list(file, env, ["-v"]));
      expect(throttling.spotinstStats.faults.throttle).toBeGreaterThan(before);
      expect(r.stdout).toBe(good);
      expect(r.stderr).toMatch(/source sim: serving the cached result \d+ s past its TTL: .*429/);
      // Without the option the same situation is an error.
      const strict = await config(
        "sources:\n  - type: spotinst\n    name: sim\n    retry: { attempts: 2, max_time: 2 }\ncache:\n  ttl: 0.2\n",
      );
      expect((await list(strict, env)).code).toBe(ExitCode.remote);
    } finally {
      await throttling.close();
    }
  }, 60_000);
});
