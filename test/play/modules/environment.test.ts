// Local command/shell/script children get rollcall's environment minus its own secrets (the
// Spotinst token, the AWS secret key and session token): a command a play runs is not trusted
// with them. A task that needs one names it in `environment:` (or the module's `env:`).
// Through the built CLI; before this, `env` run by a play printed every token.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.js";

const SECRETS = {
  SPOTINST_API_TOKEN: "spotinst-api-token-0f9e8d7c",
  SPOTINST_TOKEN: "spotinst-sdk-token-1a2b3c4d",
  AWS_SECRET_ACCESS_KEY: "aws-secret-key-5e6f7a8b",
  AWS_SESSION_TOKEN: "aws-session-token-9c0d1e2f",
};

// Two playbooks, so the first also runs on a rollcall without the environment: keyword.
const PLAIN = `- hosts: localhost
  tasks:
    - name: plain
      command: env
    - name: shell
      shell: env
    - name: script
      script: show-env.sh
`;

const EXPLICIT = `- hosts: localhost
  tasks:
    - name: explicit
      command: env
      environment:
        SPOTINST_API_TOKEN: "{{ env 'SPOTINST_API_TOKEN' }}"
        FROM_TASK: "{{ greeting }}"
    - name: from block
      block:
        - name: inner
          shell: { cmd: env, env: { AWS_SESSION_TOKEN: given-by-the-module } }
      environment: { FROM_BLOCK: "yes" }
`;

type Event = { type: string; task?: { name?: string }; result?: { stdout?: string } };
const runs: { code: number | null; stderr: string; events: Event[] }[] = [];
const stdoutOf = (task: string) =>
  runs.flatMap((r) => r.events).find((e) => e.type === "task_result" && e.task?.name === task)?.result
    ?.stdout ?? "<no result>";

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "rollcall-env-"));
  await writeFile(join(dir, "plain.yml"), PLAIN);
  await writeFile(join(dir, "explicit.yml"), EXPLICIT);
  await writeFile(join(dir, "show-env.sh"), "#!/bin/sh\nenv\n", { mode: 0o755 });
  const env = { HOME: dir, XDG_STATE_HOME: join(dir, "state"), KEEP_ME: "kept", AWS_REGION: "us-east-1" };
  for (const file of ["plain.yml", "explicit.yml"]) {
    const r = await runCli(["play", file, "--json", "-e", "greeting=hello"], { ...env, ...SECRETS }, dir);
    const events = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Event);
    runs.push({ code: r.code, stderr: r.stderr, events });
  }
});

describe("environment of local children", () => {
  it("runs", () => {
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
  });

  it.each(["plain", "shell", "script"])("%s: everything but rollcall's secrets", (task) => {
    const out = stdoutOf(task);
    expect(out).toContain("KEEP_ME=kept");
    expect(out).toContain("AWS_REGION=us-east-1");
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(out, name).not.toContain(`${name}=`);
      expect(out, name).not.toContain(value);
    }
  });

  it("a task's environment: passes what it names, templates rendered", () => {
    const out = stdoutOf("explicit");
    expect(out).toContain(`SPOTINST_API_TOKEN=${SECRETS.SPOTINST_API_TOKEN}`);
    expect(out).toContain("FROM_TASK=hello");
    expect(out).not.toContain(SECRETS.SPOTINST_TOKEN);
    expect(out).not.toContain(SECRETS.AWS_SECRET_ACCESS_KEY);
  });

  it("a block's environment: reaches its tasks; the module's env: adds to it", () => {
    const out = stdoutOf("inner");
    expect(out).toContain("FROM_BLOCK=yes");
    expect(out).toContain("AWS_SESSION_TOKEN=given-by-the-module");
    expect(out).not.toContain(SECRETS.AWS_SESSION_TOKEN);
  });
});
