// A journal is a file a crash can cut short and a person can edit; `--resume` acts on it. Through
// the built CLI: a record with wrong field types is one clear error naming the file and line (it
// used to crash --resume), and a cut-off last record stops the resume once with "check the cloud"
// (it used to be skipped without a word, so the action it described was forgotten).
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { parseJournalText } from "../../../src/play/journal/records.js";
import { runCli } from "../../helpers/cli.js";

// Fails until the marker file exists, so the first run leaves an unfinished journal to resume.
const PLAY = "- hosts: all\n  tasks:\n    - command: test -e marker\n";

let dir: string;
const run = (args: string[] = []) =>
  runCli(["play", "play.yml", "-i", "h1,", ...args], { HOME: dir, XDG_STATE_HOME: join(dir, "state") }, dir);

async function journalFile(): Promise<string> {
  const journals = join(dir, "state", "rollcall", "journals");
  const [name] = (await readdir(journals)).filter((n) => n.endsWith(".jsonl"));
  return join(journals, name!);
}

// One failed run makes the unfinished journal; each case starts from a fresh copy of its text
// (the journal's name is keyed by the playbook's path, so it has to stay in this directory).
let saved: { file: string; text: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-journal-"));
  await writeFile(join(dir, "play.yml"), PLAY);
  expect((await run()).code).toBe(ExitCode.hostsFailed);
  const file = await journalFile();
  saved = { file, text: await readFile(file, "utf8") };
});

beforeEach(async () => {
  const journals = join(dir, "state", "rollcall", "journals");
  for (const n of await readdir(journals)) if (n.endsWith(".jsonl")) await rm(join(journals, n));
  await writeFile(saved.file, saved.text, { mode: 0o600 });
  await writeFile(join(dir, "marker"), "");
});

describe("journal records", () => {
  it.each([
    [
      '{"t":"issued","host":"h1","kind":"spotinst_stateful","issuedAt":"2026-01-01T00:00:00Z","data":null}',
      /line 3: "issued" record: data: /,
    ],
    [
      '{"t":"host_done","at":"2026-01-01T00:00:00Z","play":"zero","host":5,"outcome":"ok"}',
      /line 3: "host_done" record: play: /,
    ],
    ['{"t":"issued","host":["h1"],"kind":{},"issuedAt":0,"data":{}}', /line 3: "issued" record: host: /],
    ['{"t":"bogus"}', /line 3: unknown record type "bogus"/],
    ["not json at all", /line 3: not a JSON record/],
  ])("a bad record (%s) is one clear error, exit 4", async (record, message) => {
    const file = await journalFile();
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    await writeFile(file, `${[...lines.slice(0, 2), record, ...lines.slice(2)].join("\n")}\n`);
    const r = await run(["--resume"]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.badInput);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^rollcall: --resume: journal \S+\.jsonl: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("check the cloud, then remove that file to start the run afresh");
  });

  it.each([
    [
      '{"t":"run","v":1,"runStartedAt":5,"playbook":"play.yml","pid":1}',
      /line 1: "run" record: runStartedAt: /,
    ],
    [
      '{"t":"run","v":1,"runStartedAt":"2026-01-01T00:00:00Z","playbook":{},"pid":1}',
      /line 1: "run" record: /,
    ],
    ["", /line 1: the run's header record is missing/],
  ])("a damaged header (%s) is one clear error too, not 'nothing to resume'", async (header, message) => {
    const file = await journalFile();
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    await writeFile(file, `${[header, ...lines.slice(1)].filter(Boolean).join("\n")}\n`);
    const r = await run(["--resume"]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.badInput);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^rollcall: --resume: journal \S+\.jsonl: /);
    expect(r.stderr).toMatch(message);
    // `--journals` shows it too, as damaged (it used to be invisible, and never pruned).
    const listed = await runCli(
      ["play", "--journals"],
      { HOME: dir, XDG_STATE_HOME: join(dir, "state") },
      dir,
    );
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[1]).toMatch(/^damaged +\S+ +0 +\?/);
  });

  it("a damaged journal is pruned by its age like an unfinished one (the age its name carries)", async () => {
    const file = await journalFile();
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    const old = file.replace(/\.\d{8}T\d{9}Z-(\d+)\.jsonl$/, ".20200101T000000000Z-$1.jsonl");
    await writeFile(old, `${["not json", ...lines.slice(1)].join("\n")}\n`, { mode: 0o600 });
    await rm(file);
    expect((await run()).code).toBe(0);
    expect(await readdir(join(dir, "state", "rollcall", "journals"))).not.toContain(old.split("/").at(-1));
  });

  it("a cut-off last record stops --resume once with 'check the cloud', then resumes", async () => {
    const file = await journalFile();
    await appendFile(
      file,
      '{"t":"issued","host":"h1","kind":"spotinst_stateful","issuedAt":"2026-01-01T00:00:00Z","data":{"ssiId":"ssi-1',
    );
    const first = await run(["--resume"]);
    expect(first.code, first.stdout + first.stderr).toBe(ExitCode.error);
    expect(first.stdout).toBe("");
    expect(first.stderr.trim().split("\n")).toHaveLength(1);
    expect(first.stderr).toMatch(
      /^rollcall: --resume: the last record of journal \S+ \(line \d+: "issued" record spotinst_stateful for h1\) was cut short by a crash, so the state of what it recorded is unknown: check the cloud before continuing/,
    );
    // The user looked: the same command resumes, and the journal stays readable afterwards.
    const second = await run(["--resume"]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain("changed: [h1]");
    const parsed = parseJournalText(await readFile(file, "utf8"));
    expect(parsed.problem).toBeUndefined();
    expect(parsed.torn).toMatchObject({ acknowledged: true, type: "issued", host: "h1" });
    expect(parsed.records.at(-1)).toMatchObject({ t: "end", complete: true });
  });
});

describe("parseJournalText", () => {
  it("tells a torn last line from a damaged middle one", () => {
    const ok = '{"t":"end","at":"x","exitCode":0,"complete":true}';
    expect(parseJournalText(`${ok}\n{"t":"iss`).torn).toMatchObject({ line: 2, acknowledged: false });
    expect(parseJournalText(`${ok}\n{"t":"iss\n${ok}\n`).problem).toBe("line 2: not a JSON record");
    expect(parseJournalText(`${ok}\n{"t":"iss\n{"t":"torn","at":"x","line":2}\n`).torn).toMatchObject({
      line: 2,
      acknowledged: true,
    });
  });
});
