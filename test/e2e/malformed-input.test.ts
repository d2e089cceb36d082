// Every malformed input is one clear line with its exit code, through the built CLI: YAML alias
// bombs in a config, vars_files and -e @file (bad input, 4; they were "internal error"), a
// Spotinst answer holding `items: [null]` (remote data, 3; it was "internal error: Cannot read
// properties of null"), `uri` results whose fields a response header could overwrite (a
// `Status: 200` header on a 503), and a token given as a number echoed back in a config error.
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";

// 9 aliases of 9 aliases of … : a billion-laughs document that expands to 9^6 items.
const BOMB = [
  "a: &a [x, x, x, x, x, x, x, x, x]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "",
].join("\n");

let dir: string;
let server: Server;
let url: string;
const TOKEN = "malformed-token-4c1d9e7f";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-malformed-"));
  await writeFile(join(dir, "bomb.yml"), BOMB);
  await writeFile(join(dir, "play.yml"), "- hosts: localhost\n  tasks:\n    - debug: { msg: hi }\n");
  await writeFile(
    join(dir, "vars-files.yml"),
    "- hosts: localhost\n  vars_files: [bomb.yml]\n  tasks:\n    - debug: { msg: hi }\n",
  );
  // A Spotinst API whose answers hold nulls where objects belong, and a service for `uri`.
  server = createServer((req, res) => {
    const path = req.url ?? "";
    const items = (list: unknown[]) =>
      res.end(
        JSON.stringify({
          request: { id: "req-1" },
          response: { status: { code: 200 }, items: list, count: list.length },
        }),
      );
    res.setHeader("content-type", "application/json");
    if (path.startsWith("/nullgroups/aws/ec2/group?")) return items([null]);
    if (path.startsWith("/nullssis/aws/ec2/group?")) return items([{ id: "sig-1", name: "g" }]);
    if (path.startsWith("/nullssis/aws/ec2/group/sig-1/statefulInstance")) return items([null]);
    if (path.startsWith("/badname/aws/ec2/group?")) return items([{ id: "sig-1", name: { evil: true } }]);
    if (path.startsWith("/unavailable")) {
      res.writeHead(503, {
        Status: "200",
        Changed: "true",
        Failed: "false",
        Msg: "all good",
        Rc: "0",
        Json: "{}",
      });
      return res.end('{"error":"down"}');
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((r) => server.close(r)));

const env = (extra: Record<string, string> = {}) => ({
  HOME: dir,
  XDG_STATE_HOME: join(dir, "state"),
  XDG_CACHE_HOME: join(dir, "cache"),
  ...extra,
});

function expectOneLine(
  r: { code: number | null; stdout: string; stderr: string },
  code: number,
  message: RegExp,
) {
  expect(r.code, r.stdout + r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toContain("internal error");
}

describe("YAML alias bombs are bad input (exit 4)", () => {
  const message = /bomb\.yml:2:\d+: invalid YAML: too many aliases: .* refusing the document/;

  it("in an inventory config", async () => {
    expectOneLine(
      await runCli(["inventory", "--list", "-c", "bomb.yml"], env(), dir),
      ExitCode.badInput,
      message,
    );
  });

  it("in vars_files", async () => {
    expectOneLine(await runCli(["play", "vars-files.yml"], env(), dir), ExitCode.badInput, message);
  });

  it("in -e @file", async () => {
    expectOneLine(
      await runCli(["play", "play.yml", "-e", "@bomb.yml"], env(), dir),
      ExitCode.badInput,
      message,
    );
  });
});

describe("a malformed Spotinst answer is a remote-data error (exit 3)", () => {
  const config = "sources:\n  - type: spotinst\n    retry: { attempts: 1 }\ncache: { enabled: false }\n";
  beforeAll(() => writeFile(join(dir, "spotinst.yml"), config));
  const spotinst = (path: string) =>
    env({
      SPOTINST_API_URL: `${url}${path}`,
      SPOTINST_API_TOKEN: TOKEN,
      SPOTINST_ACCOUNT_ID: "act-1a2b3c4d",
    });

  it.each([
    ["/nullgroups", /GET \/aws\/ec2\/group .*malformed answer: items\[0\] is null, expected a group/],
    [
      "/nullssis",
      /GET \/aws\/ec2\/group\/sig-1\/statefulInstance .*items\[0\] is null, expected a stateful instance/,
    ],
    ["/badname", /GET \/aws\/ec2\/group .*items\[0\]\.name is a mapping, expected a non-empty string/],
  ])("%s", async (path, message) => {
    const r = await runCli(["inventory", "--list", "-c", "spotinst.yml"], spotinst(path), dir);
    expectOneLine(r, ExitCode.remote, message);
    expect(r.stderr).not.toContain(TOKEN);
  });
});

describe("uri results", () => {
  it("a response header never overwrites a result field", async () => {
    await writeFile(
      join(dir, "uri.yml"),
      [
        "- hosts: localhost",
        "  tasks:",
        "    - uri: { url: URL/unavailable }",
        "      register: r",
        "      ignore_errors: true",
        "    - debug: { var: r }",
        "",
      ]
        .join("\n")
        .replace("URL", url),
    );
    const r = await runCli(["play", "uri.yml", "--json"], env(), dir);
    const events = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const uri = events.find((e) => e.type === "task_result" && e.task?.action === "uri")?.result;
    expect(uri, r.stdout.slice(0, 2000)).toBeDefined();
    expect(uri.status).toBe(503);
    expect(uri.failed).toBe(true);
    expect(uri.changed).toBe(false);
    expect(uri.msg).toMatch(/^Status code was 503 and not \[200\]/);
    expect(uri.json).toEqual({ error: "down" });
    expect(uri.rc).toBeUndefined();
  });
});

describe("secret-typed values are never echoed in config errors", () => {
  it.each([
    ["token: 4815162342", /sources\.0\.token: expected a string, got a number$/m],
    ["token: [4815162342]", /sources\.0\.token: expected a string, got a list$/m],
  ])("%s", async (line, message) => {
    await writeFile(join(dir, "token.yml"), `sources:\n  - type: spotinst\n    ${line}\n`);
    const r = await runCli(["inventory", "--list", "-c", "token.yml"], env(), dir);
    expectOneLine(r, ExitCode.badInput, message);
    expect(r.stderr).not.toContain("4815162342");
  });
});
