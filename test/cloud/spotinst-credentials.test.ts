import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveSpotinstCredentials } from "../../src/cloud/spotinst/credentials.js";

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "rollcall-creds-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeCredentials(content: string, path = join(home, ".spotinst", "credentials")) {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
  return path;
}

function resolve(
  config: { token?: string; accountId?: string },
  env: Record<string, string | undefined> = {},
) {
  return resolveSpotinstCredentials({ config, env, homeDir: home });
}

const INI = "[default]\ntoken = file-token\naccount = act-file\n\n[prod]\ntoken = prod-token\n";

describe("resolveSpotinstCredentials: precedence", () => {
  beforeEach(async () => {
    await writeCredentials(INI);
  });

  it.each([
    {
      name: "config wins over env and file",
      config: { token: "cfg-token", accountId: "act-cfg" },
      env: { SPOTINST_API_TOKEN: "env-token", SPOTINST_ACCOUNT_ID: "act-env" },
      want: ["cfg-token", "act-cfg", "config", "config"],
    },
    {
      name: "env (rollcall names) wins over the SDK names and the file",
      config: {},
      env: {
        SPOTINST_API_TOKEN: "env-token",
        SPOTINST_TOKEN: "sdk-token",
        SPOTINST_ACCOUNT_ID: "act-env",
        SPOTINST_ACCOUNT: "act-sdk",
      },
      want: ["env-token", "act-env", "env SPOTINST_API_TOKEN", "env SPOTINST_ACCOUNT_ID"],
    },
    {
      name: "the SDK env names work alone",
      config: {},
      env: { SPOTINST_TOKEN: "sdk-token", SPOTINST_ACCOUNT: "act-sdk" },
      want: ["sdk-token", "act-sdk", "env SPOTINST_TOKEN", "env SPOTINST_ACCOUNT"],
    },
    {
      name: "the file fills what is missing, per key",
      config: { accountId: "act-cfg" },
      env: {},
      want: ["file-token", "act-cfg", "file ~/.spotinst/credentials [default]", "config"],
    },
    {
      name: "blank values count as unset",
      config: { token: "  " },
      env: { SPOTINST_API_TOKEN: "", SPOTINST_ACCOUNT_ID: "act-env" },
      want: ["file-token", "act-env", "file ~/.spotinst/credentials [default]", "env SPOTINST_ACCOUNT_ID"],
    },
  ])("$name", async ({ config, env, want }) => {
    const result = await resolve(config, env);
    expect(result).toEqual({
      ok: true,
      value: { token: want[0], accountId: want[1], tokenFrom: want[2], accountFrom: want[3] },
    });
  });

  it("does not read the file when config and env give everything", async () => {
    await writeCredentials("this is [not valid");
    const result = await resolve({ token: "t-123" }, { SPOTINST_ACCOUNT: "act-1" });
    expect(result.ok).toBe(true);
  });
});

describe("resolveSpotinstCredentials: the credentials file", () => {
  it("reads a named profile, borrowing missing keys from [default] like the Go SDK", async () => {
    await writeCredentials(INI);
    const result = await resolve({}, { SPOTINST_CREDENTIALS_PROFILE: "prod" });
    expect(result).toEqual({
      ok: true,
      value: {
        token: "prod-token",
        accountId: "act-file",
        tokenFrom: "file ~/.spotinst/credentials [prod]",
        accountFrom: "file ~/.spotinst/credentials [default]",
      },
    });
  });

  it("accepts the Python SDK's SPOTINST_PROFILE and SPOTINST_SHARED_CREDENTIALS_FILE", async () => {
    const path = await writeCredentials(
      "[ci]\ntoken=ci-token\naccount=act-ci\n",
      join(home, "elsewhere", "creds"),
    );
    const result = await resolve({}, { SPOTINST_SHARED_CREDENTIALS_FILE: path, SPOTINST_PROFILE: "ci" });
    expect(result).toMatchObject({ ok: true, value: { token: "ci-token", accountId: "act-ci" } });
    if (result.ok) expect(result.value.tokenFrom).toBe("file ~/elsewhere/creds [ci]");
  });

  it("prefers SPOTINST_CREDENTIALS_FILE over SPOTINST_SHARED_CREDENTIALS_FILE", async () => {
    const a = await writeCredentials("[default]\ntoken=a-token\naccount=act-a\n", join(home, "a"));
    const b = await writeCredentials("[default]\ntoken=b-token\naccount=act-b\n", join(home, "b"));
    const result = await resolve({}, { SPOTINST_CREDENTIALS_FILE: a, SPOTINST_SHARED_CREDENTIALS_FILE: b });
    expect(result).toMatchObject({ ok: true, value: { token: "a-token" } });
  });

  it("reads a flat JSON file (Go SDK)", async () => {
    await writeCredentials('{"token": "json-token", "account": "act-json"}');
    expect(await resolve({})).toMatchObject({
      ok: true,
      value: { token: "json-token", accountId: "act-json" },
    });
  });

  it("reads a JSON file keyed by profile (Python SDK)", async () => {
    await writeCredentials('{"default": {"token": "d"}, "stage": {"token": "s-token", "account": "act-s"}}');
    const result = await resolve({}, { SPOTINST_PROFILE: "stage" });
    expect(result).toMatchObject({ ok: true, value: { token: "s-token", accountId: "act-s" } });
  });

  it("treats a missing default file as absent and explains what is missing", async () => {
    const result = await resolve({}, {});
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          message:
            "no Spotinst API token: set token in the config, SPOTINST_API_TOKEN, or ~/.spotinst/credentials",
        },
        {
          message:
            "no Spotinst account id: set accountId in the config, SPOTINST_ACCOUNT_ID, or account in ~/.spotinst/credentials",
        },
      ],
    });
  });

  it("reports a missing profile as missing keys", async () => {
    await writeCredentials("[other]\ntoken=x-token\n");
    const result = await resolve({ accountId: "act-1" }, {});
    expect(result).toMatchObject({
      ok: false,
      issues: [{ message: expect.stringMatching(/^no Spotinst API token/) }],
    });
  });

  it("reports a file named explicitly that does not exist", async () => {
    const result = await resolve({}, { SPOTINST_CREDENTIALS_FILE: join(home, "nope") });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues[0]?.message).toBe(
        "cannot read Spotinst credentials file ~/nope: does not exist (env SPOTINST_CREDENTIALS_FILE)",
      );
    }
  });

  it("reports a malformed INI file with the file and line", async () => {
    const path = await writeCredentials("[default]\ntoken = t-1\n  this line is wrong\naccount = a\n");
    const result = await resolve({}, {});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues[0]).toEqual({
        message:
          'malformed Spotinst credentials file ~/.spotinst/credentials: expected "[profile]" or "key = value"',
        at: { file: path, line: 3, col: 3 },
      });
    }
  });

  it("reports malformed JSON with the file and position", async () => {
    const path = await writeCredentials('{\n  "token": "t-1",\n  "account": \n}');
    const result = await resolve({}, {});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues[0]?.message).toMatch(
        /^malformed Spotinst credentials file ~\/.spotinst\/credentials: not valid JSON/,
      );
      // Node 20's JSON.parse gives no position; newer ones do, and then it is shown.
      const at = result.issues[0]?.at;
      if (at) expect(at).toMatchObject({ file: path, line: 4 });
    }
  });

  it("reports non-string values", async () => {
    await writeCredentials('{"token": 42, "account": "act-1"}');
    const result = await resolve({}, {});
    expect(result).toMatchObject({
      ok: false,
      issues: [{ message: expect.stringContaining('"token" must be a string') }],
    });
  });

  it("reports an unreadable file", async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const path = await writeCredentials(INI);
    await chmod(path, 0o000);
    const result = await resolve({}, {});
    expect(result).toMatchObject({
      ok: false,
      issues: [
        { message: "cannot read Spotinst credentials file ~/.spotinst/credentials: permission denied" },
      ],
    });
  });

  it("never puts a token in an issue", async () => {
    await writeCredentials("[default]\ntoken = secret-file-token\naccount = \n");
    const result = await resolve({}, { SPOTINST_TOKEN: "secret-env-token" });
    expect(JSON.stringify(result)).not.toMatch(/secret-/);
  });
});
