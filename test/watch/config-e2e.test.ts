// `rollcall watch -c FILE` with a bad `watch:` section: exit 4 and the same one-line
// `file:line:col: …` errors as the other config files, before anything connects to AWS.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadInventoryConfig } from "../../src/config/inventory-config.js";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "rollcall-watch-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/events";
writeFileSync(
  join(dir, "ok.yml"),
  "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: '{{ instance_id }}' }\n",
);
writeFileSync(
  join(dir, "typo.yml"),
  "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: '{{ instanse_id }}' }\n",
);

const CASES: { name: string; yaml: string; error: RegExp; code?: number }[] = [
  {
    name: "unknown key",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\n  consurrency: 4\n`,
    error: /watch\.yml:4:3: unknown option "consurrency" in watch \(did you mean "concurrency"\?\)$/,
  },
  {
    name: "unknown top-level key",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\nwacth: {}\n`,
    error: /watch\.yml:4:1: unknown option "wacth" \(did you mean "watch"\?\)$/,
  },
  {
    name: "concurrency 0",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\n  concurrency: 0\n`,
    error: /watch\.yml:4:16: watch\.concurrency: .*>=1/,
  },
  {
    name: "bad result_on_failure",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\n  result_on_failure: RETRY\n`,
    error:
      /watch\.yml:4:22: watch\.result_on_failure: expected one of "ABANDON", "CONTINUE", got the string "RETRY"$/,
  },
  {
    name: "visibility as text",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\n  visibility_timeout: 60s\n`,
    error: /watch\.yml:4:23: watch\.visibility_timeout: expected .*number, got the string "60s"$/,
  },
  {
    name: "bad region",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  region: us-east\n  on_launch: ok.yml\n`,
    error: /watch\.yml:3:11: watch\.region: unknown region "us-east"/,
  },
  {
    name: "queue_url and queue_name",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  queue_name: events\n  on_launch: ok.yml\n`,
    error: /watch\.yml:2:3: watch: set exactly one of queue_url and queue_name$/,
  },
  {
    name: "no play mapped",
    yaml: `watch:\n  queue_url: ${QUEUE}\n`,
    error: /watch\.yml:2:3: watch: map at least one event to a play \(on_launch, on_terminate, /,
  },
  {
    name: "broken minion_id template",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\n  minion_id: "{{ asg_name"\n`,
    error: /watch\.yml:4:14: watch\.minion_id: invalid template/,
  },
  {
    name: "unknown key in a play mapping",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: { playbook: ok.yml, varz: {} }\n`,
    error: /watch\.yml:3:34: unknown option "varz" in watch\.on_launch \(did you mean "vars"\?\)$/,
  },
  {
    name: "a template in vars",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: { playbook: ok.yml, vars: { url: "http://{{ ansible_host }}" } }\n`,
    error:
      /watch\.yml:3:47: watch\.on_launch\.vars\.url: vars here are values, not templates: put templates in the play's own vars$/,
  },
  {
    name: "no watch section",
    yaml: "sources: []\n",
    error: /watch\.yml:1:1: no watch: section/,
  },
  {
    name: "missing playbook",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_launch: nope.yml\n`,
    error: /nope\.yml: no such file/,
    code: 1,
  },
  {
    name: "playbook naming an undefined variable",
    yaml: `watch:\n  queue_url: ${QUEUE}\n  on_terminate: typo.yml\n`,
    error: /typo\.yml:4:\d+: .*instanse_id/,
  },
];

describe("rollcall watch: config errors", () => {
  // A file that does not validate exits 4 (as ansible-playbook's parser errors), one that cannot
  // be read 1: docs/exit-codes.md.
  it.each(CASES)("$name", async ({ yaml, error, code = 4 }) => {
    const file = join(dir, "watch.yml");
    writeFileSync(file, yaml);
    // No AWS settings at all: a config error must stop it before any client is made.
    const r = await runCli(["watch", "-c", file], { HOME: dir }, dir);
    expect(r.code).toBe(code);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^rollcall: /);
    expect(lines[0]).toMatch(error);
    expect(r.stdout).toBe("");
  });

  it("wants a config file", async () => {
    const r = await runCli(["watch"], { HOME: dir }, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("rollcall: watch: name the config file with -c FILE (or set ROLLCALL_CONFIG)\n");
  });

  it("shares a file with an inventory config", async () => {
    const file = join(dir, "both.yml");
    writeFileSync(
      file,
      `sources: [{ type: static, hosts: { a: {} } }]\nwatch:\n  queue_url: ${QUEUE}\n  on_launch: ok.yml\n`,
    );
    await expect(loadInventoryConfig(file)).resolves.toMatchObject({
      config: { sources: [{ type: "static" }] },
    });
    const r = await runCli(
      ["inventory", "--list", "-c", file],
      { HOME: dir, XDG_CACHE_HOME: join(dir, "cache") },
      dir,
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).ungrouped.hosts).toEqual(["a"]);
  });
});
