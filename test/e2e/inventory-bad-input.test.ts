// Every bad input gives one line on stderr naming the problem, a documented exit code, no stack
// trace, nothing on stdout — and never the token.
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;

let sim: Sim;
let hostile: Server;
let hostileUrl: string;
let dir: string;
const TOKEN = "bad-input-token-5e3f9a";

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 1000 });
  // A server answering like a broken proxy or a half-working API.
  hostile = createServer((req, res) => {
    const url = req.url ?? "";
    if (url.startsWith("/html")) {
      res.writeHead(500, { "content-type": "text/html" });
      res.end("<html><body>Internal Server Error</body></html>");
    } else if (url.startsWith("/empty")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("");
    } else if (url.startsWith("/noenvelope")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ hello: "world" }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), "rollcall-bad-"));
});

afterAll(async () => {
  await sim?.close();
  await new Promise((r) => (hostile ? hostile.close(r) : r(undefined)));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const spotinst = (extra = "") =>
  `sources:\n  - type: spotinst\n    timeout: 2\n    retry: { attempts: 2 }\n${extra}`;

interface Case {
  name: string;
  config?: string;
  args?: string[];
  env?: () => Record<string, string>;
  credentials?: string;
  code: number;
  message: RegExp;
}

const simEnv = () => ({ ...sim.env });
const hostileEnv = (path: string) => () => ({
  SPOTINST_API_URL: `${hostileUrl}${path}`,
  SPOTINST_API_TOKEN: TOKEN,
  SPOTINST_ACCOUNT_ID: "act-1234",
});

const cases: Case[] = [
  {
    name: "malformed YAML",
    config: "sources: [\n  - type: spotinst\n",
    code: 4,
    message: /inv\.yml:\d+:\d+: invalid YAML/,
  },
  {
    name: "duplicate key",
    config: "sources: []\nsources: []\n",
    code: 4,
    message: /inv\.yml:2:1: invalid YAML: .*[Uu]nique|duplicate/,
  },
  {
    name: "unknown option",
    config: spotinst("    concurency: 3\n"),
    code: 4,
    message: /inv\.yml:5:5: unknown option "concurency".*did you mean "concurrency"/,
  },
  {
    name: "wrong type",
    config: spotinst("    concurrency: lots\n"),
    code: 4,
    message: /inv\.yml:5:18: sources\.0\.concurrency: expected a number/,
  },
  {
    name: "out of range",
    config: spotinst("    concurrency: 0\n"),
    code: 4,
    message: /inv\.yml:5:18: sources\.0\.concurrency: /,
  },
  {
    name: "unknown state",
    config: spotinst("    states: [ACTIV]\n"),
    code: 4,
    message: /inv\.yml:5:14: sources\.0\.states\.0: expected one of .*"ACTIVE"/,
  },
  {
    name: "bad account id",
    config: spotinst("    account_id: 12345\n"),
    code: 4,
    message: /inv\.yml:5:17: sources\.0\.account_id: expected a string/,
  },
  {
    name: "bad api_url",
    config: spotinst("    api_url: not a url\n"),
    code: 4,
    message: /inv\.yml:5:14: sources\.0\.api_url: /,
  },
  {
    name: "unknown source type",
    config: "sources:\n  - type: spotnst\n",
    code: 4,
    message: /inv\.yml:2:11: .*did you mean "spotinst"/,
  },
  { name: "no sources", config: "sources: []\n", code: 4, message: /inv\.yml:1:10: sources: / },
  {
    name: "config is a list",
    config: "- type: spotinst\n",
    code: 4,
    message: /inv\.yml:1:1: expected a mapping, got a list/,
  },
  { name: "empty config", config: "", code: 4, message: /inv\.yml:1:1: empty config/ },
  {
    name: "missing config file",
    args: ["inventory", "--list", "-c", "/nonexistent/inv.yml"],
    code: 1,
    message: /cannot read \/nonexistent\/inv\.yml: no such file/,
  },
  {
    name: "no config at all",
    args: ["inventory", "--list"],
    code: 2,
    message: /no inventory config: pass -c FILE or set ROLLCALL_CONFIG/,
  },
  { name: "unknown CLI option", args: ["inventory", "--lst"], code: 2, message: /[Uu]nknown argument.*lst/ },
  {
    name: "neither --list nor --host",
    args: ["inventory", "-c", "x.yml"],
    code: 2,
    message: /pass --list or --host NAME/,
  },
  {
    name: "unknown command",
    args: ["inventroy"],
    code: 2,
    message: /unknown command "inventroy" \(did you mean "inventory"\?\)/,
  },
  {
    name: "missing token",
    config: spotinst(),
    env: () => ({ SPOTINST_API_URL: sim.env.SPOTINST_API_URL!, SPOTINST_ACCOUNT_ID: "act-1234" }),
    code: 1,
    message: /no Spotinst API token/,
  },
  {
    name: "missing account",
    config: spotinst(),
    env: () => ({ SPOTINST_API_URL: sim.env.SPOTINST_API_URL!, SPOTINST_API_TOKEN: TOKEN }),
    code: 1,
    message: /no Spotinst account/,
  },
  {
    name: "malformed JSON credentials file",
    config: spotinst(),
    credentials: "{ token: ",
    env: () => ({ SPOTINST_API_URL: sim.env.SPOTINST_API_URL! }),
    code: 1,
    message: /credentials/,
  },
  {
    name: "credentials file without a token",
    config: spotinst(),
    credentials: "[default]\naccount = act-1234\n",
    env: () => ({ SPOTINST_API_URL: sim.env.SPOTINST_API_URL! }),
    code: 1,
    message: /no Spotinst API token/,
  },
  {
    name: "401 bad token",
    config: spotinst(),
    env: () => ({ ...simEnv(), SPOTINST_API_TOKEN: TOKEN }),
    code: 3,
    message: /spotinst GET \/aws\/ec2\/group failed: HTTP 401/,
  },
  {
    name: "403 unknown account",
    config: spotinst(),
    env: () => ({ ...simEnv(), SPOTINST_ACCOUNT_ID: "act-00000000" }),
    code: 3,
    message: /HTTP 403/,
  },
  {
    name: "404 wrong API path",
    config: spotinst(),
    env: () => ({ ...simEnv(), SPOTINST_API_URL: `${sim.env.SPOTINST_API_URL}/v9` }),
    code: 3,
    message: /HTTP 404/,
  },
  { name: "non-JSON error body", config: spotinst(), env: hostileEnv("/html"), code: 3, message: /HTTP 500/ },
  {
    name: "empty API response",
    config: spotinst(),
    env: hostileEnv("/empty"),
    code: 3,
    message: /not a Spotinst JSON envelope|empty/,
  },
  {
    name: "JSON without the envelope",
    config: spotinst(),
    env: hostileEnv("/noenvelope"),
    code: 3,
    message: /envelope/,
  },
  {
    name: "connection refused",
    config: spotinst("    api_url: http://127.0.0.1:9\n"),
    env: () => ({ SPOTINST_API_TOKEN: TOKEN, SPOTINST_ACCOUNT_ID: "act-1234" }),
    code: 3,
    message: /refused|ECONNREFUSED/,
  },
];

describe("inventory: bad input", () => {
  it.each(cases)("$name → exit $code with one line", async (c) => {
    const home = await mkdtemp(join(dir, "home-"));
    if (c.credentials !== undefined) {
      await writeFile(join(home, "creds"), c.credentials);
    }
    const cfg = c.config !== undefined ? await file(`inv.yml`, c.config) : undefined;
    const args = c.args ?? ["inventory", "--list", "-c", cfg!];
    const env = {
      HOME: home,
      XDG_CACHE_HOME: join(home, "cache"),
      ...(c.credentials !== undefined ? { SPOTINST_CREDENTIALS_FILE: join(home, "creds") } : {}),
      ...(c.env?.() ?? {}),
    };
    const r = await runCli(args, env);
    expect(r.stderr).toMatch(c.message);
    expect(r.code).toBe(c.code);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.stderr).not.toContain(sim.env.SPOTINST_API_TOKEN!);
  });
});
