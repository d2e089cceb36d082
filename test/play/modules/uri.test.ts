// uri against a local HTTP server.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uriModule } from "../../../src/play/modules/uri.js";
import { testContext } from "./context.js";

let server: Server;
let base: string;
const received: { method?: string; body: string; type?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ method: req.method, body, type: req.headers["content-type"] });
      if (req.url === "/health") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ status: "green", nodes: 3 }));
      } else if (req.url === "/created") {
        res.writeHead(201);
        res.end("made");
      } else {
        res.writeHead(503, "Service Unavailable");
        res.end("down");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const uri = (p: Record<string, unknown>, check = false) =>
  uriModule.run(uriModule.params.parse(p), testContext({ checkMode: check }));

describe("uri", () => {
  it("returns status, parsed json and headers", async () => {
    const r = await uri({ url: `${base}/health` });
    expect(r).toMatchObject({
      changed: false,
      status: 200,
      json: { status: "green", nodes: 3 },
      content_type: "application/json",
    });
    expect(r.msg).toMatch(/^OK \(\d+ bytes\)$/);
    expect(r.content).toBeUndefined();
  });

  it("fails on an unexpected status with Ansible's message", async () => {
    const r = await uri({ url: `${base}/broken`, return_content: true });
    expect(r).toMatchObject({ failed: true, status: 503, content: "down" });
    expect(r.msg).toBe("Status code was 503 and not [200]: HTTP Error 503: Service Unavailable");
  });

  it("sends a JSON body and accepts a list of status codes", async () => {
    const r = await uri({
      url: `${base}/created`,
      method: "POST",
      body: { a: 1 },
      body_format: "json",
      status_code: "200,201",
    });
    expect(r).toMatchObject({ status: 201 });
    expect(received.at(-1)).toMatchObject({ method: "POST", body: '{"a":1}', type: "application/json" });
  });

  it("reports a refused connection as status -1", async () => {
    const r = await uri({ url: "http://127.0.0.1:1/", timeout: 2 });
    expect(r).toMatchObject({ failed: true, status: -1 });
    expect(r.msg).toMatch(/^Status code was -1 and not \[200\]: Request failed: <urlopen error/);
  });

  it("skips changing methods in check mode but still reads", async () => {
    expect(await uri({ url: `${base}/created`, method: "DELETE" }, true)).toMatchObject({ skipped: true });
    expect(await uri({ url: `${base}/health` }, true)).toMatchObject({ status: 200 });
  });
});
