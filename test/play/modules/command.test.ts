// command and shell, run locally.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandModule } from "../../../src/play/modules/command.js";
import { shellModule } from "../../../src/play/modules/shell.js";
import { testContext } from "./context.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-cmd-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const command = (p: Record<string, unknown>, check = false) =>
  commandModule.run(commandModule.params.parse(p), testContext({ cwd: dir, checkMode: check }));
const shell = (p: Record<string, unknown>) =>
  shellModule.run(shellModule.params.parse(p), testContext({ cwd: dir }));

describe("command", () => {
  it("runs argv without a shell and returns Ansible's fields", async () => {
    const r = await command({ cmd: "printf '%s\\n%s\\n' 'a b' '$HOME'" });
    expect(r).toMatchObject({
      changed: true,
      rc: 0,
      stdout: "a b\n$HOME",
      stdout_lines: ["a b", "$HOME"],
      stderr: "",
      msg: "",
    });
    expect(r.cmd).toEqual(["printf", "%s\\n%s\\n", "a b", "$HOME"]);
    expect(r.start).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(r.delta).toMatch(/^0:00:\d\d\.\d{6}$/);
  });

  it("fails on a non-zero rc and on a missing program", async () => {
    expect(await command({ argv: ["sh", "-c", "echo oops >&2; exit 3"] })).toMatchObject({
      failed: true,
      rc: 3,
      stderr: "oops",
      stderr_lines: ["oops"],
      msg: "non-zero return code",
    });
    expect(await command({ cmd: "no-such-program-here" })).toMatchObject({
      failed: true,
      rc: 2,
      msg: "[Errno 2] No such file or directory: 'no-such-program-here'",
    });
    expect(await command({})).toMatchObject({ failed: true, rc: 256, msg: "no command given" });
  });

  it("honours chdir, env and stdin", async () => {
    expect((await command({ cmd: "pwd", chdir: dir })).stdout).toBe(dir);
    expect((await command({ argv: ["sh", "-c", "echo $GREETING"], env: { GREETING: "hi" } })).stdout).toBe(
      "hi",
    );
    expect((await command({ cmd: "cat", stdin: "from stdin" })).stdout).toBe("from stdin");
    expect((await command({ cmd: "pwd", chdir: join(dir, "nope") })).msg).toMatch(
      /^Unable to change directory/,
    );
  });

  it("skips on creates/removes, with Ansible's messages", async () => {
    await writeFile(join(dir, "done.flag"), "");
    expect(await command({ cmd: "touch x", creates: "done.flag" })).toMatchObject({
      changed: false,
      rc: 0,
      msg: "Did not run command since 'done.flag' exists",
      stdout: "skipped, since done.flag exists",
    });
    expect(await command({ cmd: "touch x", creates: "*.flag" })).toMatchObject({ changed: false });
    expect(await command({ cmd: "touch x", removes: "missing.flag" })).toMatchObject({
      changed: false,
      msg: "Did not run command since 'missing.flag' does not exist",
    });
  });

  it("does nothing in check mode", async () => {
    const r = await command({ cmd: "touch made-in-check" }, true);
    expect(r).toMatchObject({
      skipped: true,
      changed: false,
      msg: "Command would have run if not in check mode",
    });
    const guarded = await command({ cmd: "touch made-in-check", creates: "other.flag" }, true);
    expect(guarded).toMatchObject({ changed: true, msg: "Command would have run if not in check mode" });
    expect((await command({ argv: ["ls"] })).stdout).not.toContain("made-in-check");
  });
});

describe("shell", () => {
  it("runs through /bin/sh", async () => {
    const r = await shell({ cmd: "echo one | tr a-z A-Z; echo two >&2" });
    expect(r).toMatchObject({
      rc: 0,
      stdout: "ONE",
      stderr: "two",
      cmd: "echo one | tr a-z A-Z; echo two >&2",
    });
  });
});
