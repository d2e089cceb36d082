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

describe("resolveSpotinstCredentials: every format the official tools write", () => {
  const both = (token: string, account: string, from: string) => ({
    ok: true,
    value: { token, accountId: account, tokenFrom: from, accountFrom: from },
  });

  it.each([
    {
      name: "INI with `key = value` (Go SDK, spotinst-cli)",
      text: "[default]\ntoken = ini-eq-token\naccount = act-ini1\n",
      want: ["ini-eq-token", "act-ini1", "file ~/.spotinst/credentials [default]"],
    },
    {
      name: "INI with `key: value` (go-ini and configparser accept it)",
      text: "; written by hand\n[default]\ntoken: ini-colon-token\naccount: act-ini2\n",
      want: ["ini-colon-token", "act-ini2", "file ~/.spotinst/credentials [default]"],
    },
    {
      name: "flat JSON (Go SDK)",
      text: '{ "token": "json-token", "account": "act-json" }\n',
      want: ["json-token", "act-json", "file ~/.spotinst/credentials"],
    },
    {
      name: "flat YAML `token:` lines (Spot's Ansible collection)",
      text: "# spot.cloud_modules\ntoken: flat-yaml-token\naccount: act-flat\n",
      want: ["flat-yaml-token", "act-flat", "file ~/.spotinst/credentials"],
    },
    {
      name: "YAML keyed by profile (Python SDK), a token of digits kept as written",
      text: "default:\n  token: 0012345e6\n  account: act-py\nstaging:\n  token: staging-token\n",
      want: ["0012345e6", "act-py", "file ~/.spotinst/credentials [default]"],
    },
  ])("$name", async ({ text, want }) => {
    await writeCredentials(text);
    expect(await resolve({})).toEqual(both(want[0]!, want[1]!, want[2]!));
  });

  it("Python SDK YAML: the second profile by SPOTINST_PROFILE, without borrowing from default", async () => {
    await writeCredentials("default:\n  token: d-token\n  account: act-d\nstaging:\n  token: s-token\n");
    const result = await resolve({}, { SPOTINST_PROFILE: "staging" });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          message:
            "no Spotinst account id: set accountId in the config, SPOTINST_ACCOUNT_ID, or account in ~/.spotinst/credentials",
        },
      ],
    });
    const withAccount = await resolve({ accountId: "act-cfg" }, { SPOTINST_PROFILE: "staging" });
    expect(withAccount).toMatchObject({
      ok: true,
      value: { token: "s-token", tokenFrom: "file ~/.spotinst/credentials [staging]" },
    });
  });

  it("INI: a named profile borrows missing keys from [default], like the Go SDK", async () => {
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

  it("JSON keyed by profile", async () => {
    await writeCredentials('{"default": {"token": "d"}, "stage": {"token": "s-token", "account": "act-s"}}');
    const result = await resolve({}, { SPOTINST_PROFILE: "stage" });
    expect(result).toMatchObject({ ok: true, value: { token: "s-token", accountId: "act-s" } });
  });

  it("names the profiles a file has when the one asked for is missing", async () => {
    await writeCredentials("default:\n  token: d-token\n  account: act-d\nstaging:\n  token: s\n");
    const result = await resolve({}, { SPOTINST_PROFILE: "prod" });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]?.message).toBe(
        'no Spotinst API token: set token in the config, SPOTINST_API_TOKEN, or ~/.spotinst/credentials (the file has no profile "prod"; it has default, staging)',
      );
  });
});

describe("resolveSpotinstCredentials: environment overrides", () => {
  let a: string;
  let b: string;
  beforeEach(async () => {
    await writeCredentials(
      "[default]\ntoken = home-token\naccount = act-home\n[ci]\ntoken = home-ci\naccount = act-hci\n",
    );
    a = await writeCredentials(
      "[default]\ntoken = a-token\naccount = act-a\n[ci]\ntoken = a-ci\naccount = act-aci\n",
      join(home, "a", "creds"),
    );
    b = await writeCredentials(
      "default:\n  token: b-token\n  account: act-b\nci:\n  token: b-ci\n  account: act-bci\n",
      join(home, "b", "creds"),
    );
  });

  it.each([
    {
      name: "SPOTINST_CREDENTIALS_FILE (Go SDK)",
      env: () => ({ SPOTINST_CREDENTIALS_FILE: a }),
      want: ["a-token", "~/a/creds [default]"],
    },
    {
      name: "SPOTINST_SHARED_CREDENTIALS_FILE (Python SDK)",
      env: () => ({ SPOTINST_SHARED_CREDENTIALS_FILE: b }),
      want: ["b-token", "~/b/creds [default]"],
    },
    {
      name: "SPOTINST_CREDENTIALS_FILE wins over SPOTINST_SHARED_CREDENTIALS_FILE",
      env: () => ({ SPOTINST_CREDENTIALS_FILE: a, SPOTINST_SHARED_CREDENTIALS_FILE: b }),
      want: ["a-token", "~/a/creds [default]"],
    },
    {
      name: "SPOTINST_CREDENTIALS_PROFILE (Go SDK)",
      env: () => ({ SPOTINST_CREDENTIALS_PROFILE: "ci" }),
      want: ["home-ci", "~/.spotinst/credentials [ci]"],
    },
    {
      name: "SPOTINST_PROFILE (Python SDK)",
      env: () => ({ SPOTINST_PROFILE: "ci" }),
      want: ["home-ci", "~/.spotinst/credentials [ci]"],
    },
    {
      name: "SPOTINST_CREDENTIALS_PROFILE wins over SPOTINST_PROFILE",
      env: () => ({ SPOTINST_CREDENTIALS_PROFILE: "ci", SPOTINST_PROFILE: "default" }),
      want: ["home-ci", "~/.spotinst/credentials [ci]"],
    },
    {
      name: "a file and a profile together",
      env: () => ({ SPOTINST_SHARED_CREDENTIALS_FILE: b, SPOTINST_PROFILE: "ci" }),
      want: ["b-ci", "~/b/creds [ci]"],
    },
  ])("$name", async ({ env, want }) => {
    const result = await resolve({}, env());
    expect(result).toMatchObject({ ok: true, value: { token: want[0], tokenFrom: `file ${want[1]}` } });
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
});

describe("resolveSpotinstCredentials: malformed files get one line naming each format tried", () => {
  const prefix = "malformed Spotinst credentials file ~/.spotinst/credentials: ";
  it.each([
    {
      name: "JSON cut short",
      text: '{\n  "token": "t-secret-1",\n  "account": \n}',
      want: "not JSON (line 4: invalid JSON)",
    },
    {
      name: "INI with a stray line",
      text: "[default]\ntoken = t-secret-1\nthis line is wrong\naccount = act-1\n",
      want:
        "not YAML (line 2: Unexpected scalar at node end), " +
        'not INI (line 3: expected "[profile]", "key = value" or "key: value")',
    },
    {
      name: "YAML profiles indented unevenly",
      text: "default:\n  token: t-secret-1\n account: act-1\n",
      want:
        "not YAML (line 3: All mapping items must start at the same column), " +
        'not INI (line 2: expected "[profile]", "key = value" or "key: value")',
    },
    {
      name: "YAML indented with a tab",
      text: "default:\n\ttoken: t-secret-1\n",
      want:
        "not YAML (line 2: Tabs are not allowed as indentation), " +
        'not INI (line 2: expected "[profile]", "key = value" or "key: value")',
    },
    {
      name: "not a credentials file at all (a private key)",
      text: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n",
      want: 'not YAML (line 1: not a mapping of keys), not INI (line 1: expected "[profile]", "key = value" or "key: value")',
    },
  ])("$name", async ({ text, want }) => {
    await writeCredentials(text);
    const result = await resolve({}, {});
    expect(result).toEqual({ ok: false, issues: [{ message: prefix + want }] });
    // One line, and nothing of the file's content.
    if (!result.ok) {
      expect(result.issues[0]!.message).not.toContain("\n");
      expect(result.issues[0]!.message).not.toMatch(/secret|b3Blbn/);
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
});

describe("resolveSpotinstCredentials: the rest", () => {
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
