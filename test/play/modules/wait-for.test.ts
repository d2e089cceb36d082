// wait_for against real sockets on 127.0.0.1.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitForModule } from "../../../src/play/modules/wait-for.js";
import { testContext } from "./context.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(onConnect?: (sock: import("node:net").Socket) => void, port = 0): Promise<Server> {
  const s = createServer((sock) => {
    sock.on("error", () => {});
    if (onConnect) onConnect(sock);
    else sock.end();
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, "127.0.0.1", r));
  return s;
}

const portOf = (s: Server) => (s.address() as { port: number }).port;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

const run = (params: Record<string, unknown>, ctx = testContext()) =>
  waitForModule.run(waitForModule.params.parse(params), ctx);

describe("wait_for", () => {
  it("notices a port that opens after 1 s within 100 ms of its opening", async () => {
    const port = await freePort();
    let openedAt = 0;
    setTimeout(async () => {
      await listen(undefined, port);
      openedAt = Date.now();
    }, 1000);
    const r = await run({ port, timeout: 10 });
    const noticed = Date.now();
    expect(r.failed).toBeUndefined();
    expect(openedAt).toBeGreaterThan(0);
    expect(noticed - openedAt).toBeLessThan(100);
    expect(r).toMatchObject({
      changed: false,
      state: "started",
      port,
      path: null,
      elapsed: 1,
      match_groups: [],
    });
  });

  it("matches search_regex on a banner and returns the groups", async () => {
    const s = await listen((sock) => sock.end("SSH-2.0-OpenSSH_9.2 ready\n"));
    const r = await run({ port: portOf(s), search_regex: "OpenSSH_(?P<version>[0-9.]+)", timeout: 5 });
    expect(r.failed).toBeUndefined();
    expect(r.match_groups).toEqual(["9.2"]);
    expect(r.match_groupdict).toEqual({ version: "9.2" });
  });

  it("times out on a banner that never matches, with Ansible's message", async () => {
    const s = await listen((sock) => sock.end("nothing here\n"));
    const r = await run({ port: portOf(s), search_regex: "READY", timeout: 1 });
    expect(r).toMatchObject({
      failed: true,
      elapsed: 1,
      msg: `Timeout when waiting for search string READY in 127.0.0.1:${portOf(s)}`,
    });
  });

  it("state stopped waits for the port to close", async () => {
    const s = await listen();
    const port = portOf(s);
    setTimeout(() => s.close(), 300);
    const started = Date.now();
    const r = await run({ port, state: "stopped", timeout: 5 });
    expect(r.failed).toBeUndefined();
    expect(r.state).toBe("stopped");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("state stopped times out on a port that stays open", async () => {
    const s = await listen();
    const r = await run({ port: portOf(s), state: "stopped", timeout: 1 });
    expect(r).toMatchObject({
      failed: true,
      elapsed: 1,
      msg: `Timeout when waiting for 127.0.0.1:${portOf(s)} to stop.`,
    });
  });

  it("gives the timeout message and elapsed value, or the task's msg", async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await run({ port, timeout: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(r).toMatchObject({ failed: true, elapsed: 1, msg: `Timeout when waiting for 127.0.0.1:${port}` });
    const custom = await run({ port, timeout: 0.2, msg: "kafka did not come back" });
    expect(custom).toMatchObject({ failed: true, elapsed: 0, msg: "kafka did not come back" });
  });

  it("waits for files to appear (with a regex) and to go away", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rollcall-wait-"));
    const file = join(dir, "ready");
    setTimeout(() => writeFile(file, "state=UP\n"), 200);
    const present = await run({ path: file, search_regex: "state=(\\w+)", timeout: 5 });
    expect(present).toMatchObject({ path: file, match_groups: ["UP"] });
    setTimeout(() => rm(file), 200);
    const absent = await run({ path: file, state: "absent", timeout: 5 });
    expect(absent.failed).toBeUndefined();
    const missing = await run({ path: join(dir, "never"), timeout: 0.2 });
    expect(missing.msg).toBe(`Timeout when waiting for file ${join(dir, "never")}`);
    await rm(dir, { recursive: true });
  });

  it("rejects invalid combinations at once with elapsed 0", async () => {
    expect(await run({ port: 1, path: "/x" })).toMatchObject({
      failed: true,
      elapsed: 0,
      msg: "port and path parameter can not both be passed to wait_for",
    });
    expect((await run({ path: "/x", state: "stopped" })).msg).toBe(
      "state=stopped should only be used for checking a port in the wait_for module",
    );
  });

  it("reports progress and stops when aborted", async () => {
    const port = await freePort();
    const controller = new AbortController();
    let t = 0;
    const ctx = testContext({ signal: controller.signal, now: () => (t += 400) });
    setTimeout(() => controller.abort(), 150);
    await run({ port, timeout: 600 }, ctx);
    expect(ctx.progressed.length).toBeGreaterThan(0);
    expect(ctx.progressed[0]).toMatchObject({ message: `waiting for 127.0.0.1:${port}`, timeoutMs: 600_000 });
  });

  it("state drained counts connections from /proc/net/tcp", async () => {
    const s = await listen(() => {});
    const r = await run({ port: portOf(s), state: "drained", timeout: 5 });
    expect(r.failed).toBeUndefined();
  });
});
