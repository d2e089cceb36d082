// Golden output for the text reporter and the JSON event stream (timings pinned).
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { memoryContext, tempDir } from "../support.js";

const GOLDEN = join(import.meta.dirname, "golden");
const update = process.env.UPDATE_GOLDEN === "1";

async function golden(name: string, actual: string): Promise<void> {
  const file = join(GOLDEN, name);
  if (update) await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, "utf8"));
}

describe("golden output", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir();
    await copyFile(join(GOLDEN, "playbook.yml"), join(work.dir, "playbook.yml"));
  });
  afterAll(() => work.cleanup());

  const run = async (args: string[], env: Record<string, string> = {}, tty = false) => {
    const ctx = memoryContext(work.dir, env, tty);
    const code = await runCli(["play", "playbook.yml", "-i", "h1,h2,h3,", ...args], ctx, {
      play: { now: () => 0, showElapsed: false, columns: 80 },
    });
    return { code, out: ctx.out.join(""), err: ctx.err.join("") };
  };

  it("text", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    await golden("text.txt", r.out);
  });

  it("text at -v", async () => {
    const r = await run(["-v"]);
    await golden("text-v.txt", r.out);
  });

  it("text in check mode", async () => {
    const r = await run(["--check"]);
    await golden("text-check.txt", r.out);
  });

  it("json events", async () => {
    const r = await run(["--json"]);
    expect(r.code).toBe(2);
    for (const l of r.out.trim().split("\n")) expect(() => JSON.parse(l)).not.toThrow();
    await golden("events.jsonl", r.out);
  });

  it("colour on a TTY, none with NO_COLOR", async () => {
    const coloured = await run([], {}, true);
    expect(coloured.out).toContain("\x1b[0;32mok: [h1]");
    expect(coloured.out).toContain("\x1b[0;31mfatal: [h3]: FAILED!");
    const plain = await run([], { NO_COLOR: "1" }, true);
    expect(plain.out).not.toContain("\x1b[");
  });
});
