// The state directory is trusted only when nobody else can write in it, and its files are never
// opened through a symbolic link (OpenSSH's rule for ~/.ssh). Through the built CLI: each case is
// a run that, before these checks, went ahead (and in the first one wrote the journal key
// through a planted symlink, over a file the attacker chose).
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { runCli } from "../../helpers/cli.js";

const PLAY = "- hosts: all\n  tasks:\n    - debug: { msg: hi }\n";

let dir: string;
let state: string;
let journals: string;
const run = (extra: Record<string, string> = {}, args: string[] = []) =>
  runCli(["play", "play.yml", "-i", "h1,h2,", ...args], { HOME: dir, XDG_STATE_HOME: state, ...extra }, dir);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rollcall-trust-"));
  state = join(dir, "state");
  journals = join(state, "rollcall", "journals");
  await writeFile(join(dir, "play.yml"), PLAY);
});

async function expectRefused(r: Awaited<ReturnType<typeof run>>, message: RegExp) {
  expect(r.code, r.stdout + r.stderr).toBe(ExitCode.error);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}

describe("state directory trust", () => {
  it("creates a private directory and key on first use", async () => {
    const r = await run();
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(journals)).mode & 0o777).toBe(0o700);
    expect((await stat(join(journals, ".key"))).mode & 0o777).toBe(0o600);
    expect((await readdir(journals)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a world-writable state directory with a planted .key symlink; the target is untouched", async () => {
    await mkdir(journals, { recursive: true });
    await chmod(journals, 0o777);
    const victim = join(dir, "victim");
    await writeFile(victim, "precious\n");
    await symlink(victim, join(journals, ".key"));
    const r = await run();
    await expectRefused(
      r,
      /^rollcall: state directory \S+\/journals is writable by others \(mode 0777\): refusing to trust it; check what is in it, then run: chmod 700 \S+\/journals$/m,
    );
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("refuses a .key that is a symbolic link, even in a private directory", async () => {
    await mkdir(journals, { recursive: true, mode: 0o700 });
    const victim = join(dir, "victim");
    await writeFile(victim, "precious\n");
    await symlink(victim, join(journals, ".key"));
    await expectRefused(await run(), /\.key is a symbolic link: refusing to follow it; remove it/);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("refuses a .key others can read (the journal names would be guessable)", async () => {
    await mkdir(journals, { recursive: true, mode: 0o700 });
    await writeFile(join(journals, ".key"), Buffer.alloc(32, 7), { mode: 0o644 });
    await chmod(join(journals, ".key"), 0o644);
    await expectRefused(
      await run(),
      /\.key is accessible by others \(mode 0644\): refusing to trust it; run: chmod 600 /,
    );
  });

  it.runIf(process.getuid?.() === 0)("refuses a state directory owned by another user", async () => {
    await mkdir(journals, { recursive: true, mode: 0o700 });
    await chown(journals, 65534, 65534);
    await expectRefused(
      await run(),
      /state directory \S+\/journals is owned by uid 65534, not by you \(uid 0\)/,
    );
  });

  it("refuses a state directory under a directory anyone can write (no sticky bit)", async () => {
    const shared = join(dir, "shared");
    await mkdir(shared, { mode: 0o777 });
    await chmod(shared, 0o777);
    const r = await run({ XDG_STATE_HOME: join(shared, "state") });
    await expectRefused(r, /\/shared, above the state directory \S+, is writable by others \(mode 0777\)/);
  });

  it("accepts a state directory under a sticky shared directory such as /tmp", async () => {
    const shared = join(dir, "sticky");
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const r = await run({ XDG_STATE_HOME: join(shared, "state") });
    expect(r.code, r.stderr).toBe(0);
  });

  it("--resume refuses a journal that is a symbolic link", async () => {
    await writeFile(join(dir, "play.yml"), "- hosts: all\n  tasks:\n    - command: 'false'\n");
    expect((await run()).code).toBe(ExitCode.hostsFailed);
    const [name] = (await readdir(journals)).filter((n) => n.endsWith(".jsonl"));
    const real = join(dir, "elsewhere.jsonl");
    await writeFile(real, await readFile(join(journals, name!)));
    const { rm } = await import("node:fs/promises");
    await rm(join(journals, name!));
    await symlink(real, join(journals, name!));
    await expectRefused(await run({}, ["--resume"]), /\.jsonl is a symbolic link: refusing to follow it/);
  });
});
