// The journal file after a process died mid-write (a second Ctrl-C, kill -9): the torn last line
// is ignored, and the next attempt's records are not glued to it and lost with it.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listJournals, openWriter } from "../../../src/play/journal/file.js";

describe("journal file", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("appends after a torn last line without losing the new record", async () => {
    dir = await mkdtemp(join(tmpdir(), "rollcall-journal-"));
    const key = "0123456789abcdef0123456789abcdef";
    const file = join(dir, `${key}.20240101T000000000Z-1.jsonl`);
    const head = { t: "run", v: 1, runStartedAt: "2024-01-01T00:00:00.000Z", playbook: "/p.yml", pid: 1 };
    await writeFile(file, `${JSON.stringify(head)}\n{"t":"issued","host":"h1","ki`);
    const writer = await openWriter(file, false);
    await writer.append(
      { t: "attempt", at: "2024-01-01T00:01:00.000Z", pid: 2, resume: true, check: false },
      true,
    );
    await writer.close();
    const [journal] = await listJournals(dir, key);
    expect(journal!.records.map((r) => r.t)).toEqual(["run", "attempt"]);
    expect((await readFile(file, "utf8")).endsWith("}\n")).toBe(true);
  });
});
