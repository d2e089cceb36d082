// A real redis-server (Debian's, installed by .ci/run) on a free loopback port with a temporary
// directory, for the shared-cache tests. Absent outside CI: the tests skip with a message; absent
// in CI (CI=true): they fail, because CI must run them.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasProgram } from "./programs.js";

export const REDIS_SERVER = "redis-server";

export function redisAvailability(): { run: boolean; why?: string } {
  if (hasProgram(REDIS_SERVER)) return { run: true };
  if (process.env.CI === "true") return { run: true, why: "redis-server is required in CI" };
  return {
    run: false,
    why: "redis-server not installed (apt-get install redis-server): Redis tests skipped",
  };
}

export interface RedisFixture {
  url: string;
  port: number;
  password: string;
  stop(): Promise<void>;
  /** Start it again on the same port (after stop). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisOptions {
  password?: string;
  /** Serve TLS only (rediss://) with this certificate and key. */
  tls?: { certFile: string; keyFile: string };
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisFixture> {
  const password = options.password ?? "test-redis-pass-7c1d";
  const dir = await mkdtemp(join(tmpdir(), "rollcall-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const listen = options.tls
    ? [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--tls-cert-file",
        options.tls.certFile,
        "--tls-key-file",
        options.tls.keyFile,
        "--tls-auth-clients",
        "no",
      ]
    : ["--port", String(port)];

  const start = async () => {
    const proc = spawn(
      REDIS_SERVER,
      [
        ...listen,
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        password,
        "--protected-mode",
        "yes",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      const onData = (d: Buffer) => {
        out += d;
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited ${code}: ${out}`));
      });
    });
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  };

  await start();
  return {
    url: `${options.tls ? "rediss" : "redis"}://127.0.0.1:${port}/0`,
    port,
    password,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server that accepts connections and never answers: a hung Redis. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
