// `rollcall sim`: in-process through runCli/runSim for the argument checks, and as a real child
// process of the built CLI for the KEY=value / ready / SIGTERM contract.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/context.js";
import { runCli } from "../../src/cli/main.js";
import { runSim, type SimArgs } from "../../src/cli/sim.js";
import { CLI } from "../helpers/cli.js";

function fakeContext(): CliContext & { out: string; err: string } {
  const ctx = {
    env: {},
    cwd: process.cwd(),
    homeDir: tmpdir(),
    out: "",
    err: "",
    stdout: (t: string) => {
      ctx.out += t;
    },
    stderr: (t: string) => {
      ctx.err += t;
    },
    stdoutIsTTY: false,
    exitCode: 0,
  };
  return ctx;
}

const ARGS: SimArgs = {
  port: 0,
  host: "127.0.0.1",
  latencyMs: 0,
  faultRate: 0,
  hangRate: 0,
  timeScale: 1000,
  seed: 1,
};

const parseEnv = (out: string) =>
  Object.fromEntries(
    out
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

describe("runSim in-process", () => {
  it("--rate-limit N limits every route to N requests per simulated minute", async () => {
    const ctx = fakeContext();
    let stop = () => {};
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const running = runSim({ ...ARGS, rateLimit: 2, timeScale: 1 }, ctx, stopped);
    await vi_waitFor(() => ctx.out.endsWith("ready\n"));
    const env = parseEnv(ctx.out);
    const get = () =>
      fetch(`${env.SPOTINST_API_URL}/aws/ec2/group?accountId=${env.SPOTINST_ACCOUNT_ID}`, {
        headers: { authorization: `Bearer ${env.SPOTINST_API_TOKEN}` },
      });
    const answers = [await get(), await get(), await get()];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.headers.get("x-ratelimit-limit")).toBe("2");
    stop();
    await running;
  });

  it("prints the env, then ready, serves until stopped, then closes", async () => {
    const ctx = fakeContext();
    let stop = () => {};
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const running = runSim(ARGS, ctx, stopped);
    await vi_waitFor(() => ctx.out.endsWith("ready\n"));
    const lines = ctx.out.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("ready");
    expect(lines.slice(0, -1).every((l) => /^[A-Z_]+=\S+$/.test(l))).toBe(true);
    const env = parseEnv(ctx.out);
    const res = await fetch(`${env.SPOTINST_API_URL}/aws/ec2/group?accountId=${env.SPOTINST_ACCOUNT_ID}`, {
      headers: { authorization: `Bearer ${env.SPOTINST_API_TOKEN}` },
    });
    expect(res.status).toBe(200);
    stop();
    await running;
    await expect(fetch(`${env.SPOTINST_API_URL}/aws/ec2/group`)).rejects.toThrow();
    expect(ctx.err).toBe("");
  });
});

describe("argument and fleet errors (exit 2, one line)", () => {
  it.each([
    [["--fault-rate", "2"], /^rollcall: --fault-rate must be a number from 0 to 1, got 2\n$/],
    [["--time-scale", "0"], /--time-scale must be/],
    [["--port", "abc"], /--port must be an integer from 0 to 65535, got not a number/],
    [["--host", "0.0.0.0"], /--host must be an IPv4 address in 127\.0\.0\.0\/8/],
    [["--fault-rate", "0.6", "--hang-rate", "0.6"], /must not exceed 1/],
    [["--rate-limit", "0"], /^rollcall: --rate-limit must be an integer from 1 to 1000000, got 0\n$/],
    [["--rate-limit", "2.5"], /--rate-limit must be an integer/],
    // Gone: Spot sends X-RateLimit-Reset, never Retry-After.
    [["--retry-after", "1"], /Unknown arguments?: retry-after/],
  ])("sim %j", async (args, message) => {
    const ctx = fakeContext();
    expect(await runCli(["sim", ...args], ctx)).toBe(2);
    expect(ctx.err).toMatch(message);
    expect(ctx.err.trimEnd().split("\n")).toHaveLength(1);
    expect(ctx.out).toBe("");
  });

  it("reports a bad fleet file as file:line:col", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rollcall-sim-cli-"));
    const file = join(dir, "fleet.yml");
    await writeFile(file, "accounts:\n  - id: act-12345678\n    token: long-enough-token\n    grups: []\n");
    const ctx = fakeContext();
    expect(await runCli(["sim", "--fleet", file], ctx)).toBe(4);
    expect(ctx.err).toBe(
      `rollcall: ${file}:4:5: unknown option "grups" in accounts.0 (did you mean "groups"?)\n`,
    );
  });

  it("says so when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const ctx = fakeContext();
      expect(await runCli(["sim", "--port", String(port)], ctx)).toBe(1);
      expect(ctx.err).toBe(`rollcall: cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      blocker.close();
    }
  });
});

describe("rollcall sim as a child process", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "prints KEY=value lines, then ready, and exits 0 on %s",
    async (signal) => {
      const child = spawn(process.execPath, [CLI, "sim", "--time-scale", "100"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          out += d;
          if (out.includes("ready\n")) resolve();
        });
        child.on("exit", () => reject(new Error(`exited before ready: ${err}`)));
      });
      expect(out.split("\n").slice(0, 8)).toEqual([
        expect.stringMatching(/^SPOTINST_API_URL=http:\/\/127\.0\.0\.1:\d+$/),
        "SPOTINST_ACCOUNT_ID=act-5e1f0001",
        expect.stringMatching(/^SPOTINST_API_TOKEN=\S+$/),
        expect.stringMatching(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/),
        expect.stringMatching(/^AWS_REGION=[a-z]+-[a-z]+-\d$/),
        expect.stringMatching(/^AWS_ACCESS_KEY_ID=\S+$/),
        expect.stringMatching(/^AWS_SECRET_ACCESS_KEY=\S+$/),
        "ready",
      ]);
      const env = parseEnv(out);
      const res = await fetch(`${env.SPOTINST_API_URL}/aws/ec2/group?accountId=${env.SPOTINST_ACCOUNT_ID}`, {
        headers: { authorization: `Bearer ${env.SPOTINST_API_TOKEN}` },
      });
      expect(res.status).toBe(200);
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(err).toBe("");
    },
  );
});

async function vi_waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
