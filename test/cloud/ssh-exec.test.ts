// The SSH transport against a real OpenSSH server on loopback: commands, files, become.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSshPool, runOverSsh, type SshPool, SshUnreachableError } from "../../src/cloud/ssh/index.js";
import { RemoteError } from "../../src/errors.js";
import {
  countAccepted,
  createSshFixture,
  type Sshd,
  type SshFixture,
  sshdSkipReason,
  sshdTarget,
  sudoSkipReason,
} from "../helpers/sshd.js";

describe.skipIf(sshdSkipReason())("ssh commands and files against a real sshd", () => {
  let fx: SshFixture;
  let direct: Sshd;
  let pool: SshPool;

  beforeAll(async () => {
    fx = await createSshFixture({ sudo: true });
    direct = await fx.startSshd({ addresses: ["127.0.0.31"] });
    await fx.writeKnownHosts();
    pool = createSshPool({ knownHostsFiles: [fx.knownHostsPath] });
  });

  afterAll(async () => {
    await pool?.closeAll();
    await fx?.cleanup();
  });

  const targetOf = (sshd: Sshd, extra: Record<string, unknown> = {}, name = "web1") =>
    sshdTarget(fx, sshd, extra, name);

  describe("exec", () => {
    const tricky = [
      "a b",
      "it's",
      'say "hi"',
      "$HOME",
      "`id`",
      "$(id)",
      "line1\nline2",
      "",
      "*",
      "a;b|c&d>e",
      "back\\slash",
      "tab\there",
      "~",
      "!bang",
      "ünïcødé",
      "'",
      "''\"",
    ];

    it("passes argv words through unchanged, however they are quoted", async () => {
      const conn = await pool.get(targetOf(direct));
      const res = await conn.exec({ argv: ["printf", "%s\\0", ...tricky] });
      expect(res.rc).toBe(0);
      expect(res.stdout.split("\0").slice(0, -1)).toEqual(tricky);
    });

    it("runs a shell script with env and chdir; a non-zero rc is a result, not an error", async () => {
      const conn = await pool.get(targetOf(direct));
      const res = await conn.exec({
        script: 'pwd; printf "%s\\n" "$GREETING"\necho err >&2; exit 3',
        cwd: "/tmp",
        env: { GREETING: `it's "quoted" $x \`y\`` },
      });
      expect(res).toMatchObject({ rc: 3, stdout: `/tmp\nit's "quoted" $x \`y\`\n`, stderr: "err\n" });
    });

    it("does not run the command when chdir fails", async () => {
      const conn = await pool.get(targetOf(direct));
      const res = await conn.exec({
        argv: ["touch", "/tmp/rollcall-should-not-exist"],
        cwd: "/nonexistent dir",
      });
      expect(res.rc).not.toBe(0);
      await expect(stat("/tmp/rollcall-should-not-exist")).rejects.toThrow();
    });

    it("feeds stdin and stops a command at its timeout", async () => {
      const conn = await pool.get(targetOf(direct));
      expect((await conn.exec({ argv: ["cat"], stdin: "hello\n" })).stdout).toBe("hello\n");
      const started = Date.now();
      const res = await conn.exec({ script: "sleep 20", timeoutMs: 200 });
      expect(res).toMatchObject({ timedOut: true, signal: "SIGKILL", rc: -9 });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it("reuses one connection per host", async () => {
      const own = createSshPool({ knownHostsFiles: [fx.knownHostsPath] });
      const before = countAccepted(await direct.readLog());
      const t = targetOf(direct, {}, "reuse");
      const [a, b] = await Promise.all([own.get(t), own.get(t)]);
      expect(a).toBe(b);
      for (let i = 0; i < 3; i++) expect((await a.exec({ argv: ["true"] })).rc).toBe(0);
      expect(await own.get(t)).toBe(a);
      expect(await runOverSsh(own, t, (c) => c.exec({ argv: ["echo", "ok"] }))).toMatchObject({
        ok: true,
        value: { rc: 0, stdout: "ok\n" },
      });
      expect(countAccepted(await direct.readLog()) - before).toBe(1);
      await own.closeAll();
      expect(a.isOpen).toBe(false);
    });

    it("runs an uploaded script with arguments", async () => {
      const conn = await pool.get(targetOf(direct));
      const script = "#!/bin/sh\nprintf '%s|' \"$@\"; echo; exit 4\n";
      const res = await conn.runScript(script, ["a b", "it's", "$x"]);
      expect(res).toMatchObject({ rc: 4, stdout: "a b|it's|$x|\n" });
    });

    it("tests paths with globs without expanding anything else", async () => {
      const conn = await pool.get(targetOf(direct));
      const dir = (await conn.exec({ argv: ["mktemp", "-d"] })).stdout.trim();
      await conn.upload(`${dir}/a file.txt`, "x");
      expect(await conn.pathExists(`${dir}/*.txt`)).toBe(true);
      expect(await conn.pathExists(`${dir}/a file.txt`)).toBe(true);
      expect(await conn.pathExists(`${dir}/nope*`)).toBe(false);
      expect(await conn.pathExists(`${dir}/$(touch ${dir}/pwned)*`)).toBe(false);
      expect(await readdir(dir)).toEqual(["a file.txt"]);
      await rm(dir, { recursive: true });
    });
  });

  describe("files", () => {
    it("uploads over SFTP: changed, then unchanged, then a mode-only change", async () => {
      const conn = await pool.get(targetOf(direct));
      const dir = (await conn.exec({ argv: ["mktemp", "-d"] })).stdout.trim();
      const path = `${dir}/conf file.txt`;
      const first = await conn.upload(path, "one\n", { mode: 0o640 });
      expect(first).toMatchObject({ changed: true, mode: 0o640 });
      expect(await readFile(path, "utf8")).toBe("one\n");
      expect((await stat(path)).mode & 0o777).toBe(0o640);
      expect(await conn.upload(path, "one\n", { mode: 0o640 })).toMatchObject({ changed: false });
      expect(await conn.upload(path, "one\n")).toMatchObject({ changed: false, mode: 0o640 });
      expect(await conn.upload(path, "one\n", { mode: 0o600 })).toMatchObject({ changed: true });
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const second = await conn.upload(path, Buffer.from("two\n"));
      expect(second).toMatchObject({ changed: true, mode: 0o600, previousSha256: first.sha256 });
      expect((await conn.readFile(path))?.toString()).toBe("two\n");
      expect(await conn.fileState(path)).toEqual({ kind: "file", mode: 0o600, sha256: second.sha256 });
      expect(await conn.readFile(`${dir}/missing`)).toBeUndefined();
      expect(await conn.fileState(`${dir}/missing`)).toEqual({ kind: "absent" });
      // No temp file left behind.
      expect(await readdir(dir)).toEqual(["conf file.txt"]);
      await rm(dir, { recursive: true });
    });

    it("reports a permission problem as a failed operation, not an unreachable host", async () => {
      const conn = await pool.get(targetOf(direct));
      const err = await conn.upload(join(fx.dir, "denied.txt"), "x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteError);
      expect(err).not.toBeInstanceOf(SshUnreachableError);
      expect((err as Error).message).toMatch(/Permission denied/);
    });
  });

  describe.skipIf(sudoSkipReason())("become (sudo -n)", () => {
    it("runs as root or as become_user, with quoting, env and chdir intact", async () => {
      const conn = await pool.get(targetOf(direct));
      expect((await conn.exec({ argv: ["id", "-un"], become: true })).stdout).toBe("root\n");
      expect((await conn.exec({ argv: ["id", "-un"], become: true, becomeUser: "nobody" })).stdout).toBe(
        "nobody\n",
      );
      const res = await conn.exec({
        argv: ["printf", "%s|", "a b", "it's", "$HOME", 'x"y'],
        become: true,
        cwd: "/",
        env: { V: "v'1" },
      });
      expect(res).toMatchObject({ rc: 0, stdout: `a b|it's|$HOME|x"y|` });
      const shell = await conn.exec({ script: 'echo "$V" `pwd`', become: true, cwd: "/", env: { V: "v'1" } });
      expect(shell.stdout).toBe("v'1 /\n");
    });

    it("reports a sudo refusal as becomeError", async () => {
      const conn = await pool.get(targetOf(direct));
      const res = await conn.exec({ argv: ["true"], become: true, becomeUser: "no-such-user-rollcall" });
      expect(res.rc).not.toBe(0);
      expect(res.becomeError).toMatch(/unknown user/);
    });

    it("uploads as root where the login user cannot write: changed then unchanged", async () => {
      const conn = await pool.get(targetOf(direct));
      const path = join(fx.dir, "root-only.conf");
      expect(await conn.upload(path, "a=1\n", { become: true, mode: 0o600 })).toMatchObject({
        changed: true,
      });
      expect(await conn.upload(path, "a=1\n", { become: true, mode: 0o600 })).toMatchObject({
        changed: false,
      });
      const st = await stat(path);
      expect([st.uid, st.mode & 0o777]).toEqual([0, 0o600]);
      expect((await conn.readFile(path, { become: true }))?.toString()).toBe("a=1\n");
      // Over SFTP, as the login user, the directory is closed: a failure, not "absent".
      await expect(conn.readFile(path)).rejects.toThrow(/Permission denied/);
      expect(await conn.readFile(join(fx.dir, "missing"), { become: true })).toBeUndefined();
      const script = await conn.runScript("#!/bin/sh\nid -un\n", [], { become: true });
      expect(script.stdout).toBe("root\n");
    });
  });
});
