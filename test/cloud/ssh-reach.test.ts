// The SSH transport against real OpenSSH servers on loopback: a bastion and a target only used
// through it, and every way a host can be unreachable.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSshPool,
  resolveSshTarget,
  runOverSsh,
  type SshPool,
  type SshUnreachable,
  SshUnreachableError,
} from "../../src/cloud/ssh/index.js";
import {
  countAccepted,
  createSshFixture,
  freeLoopbackPort,
  isDescendant,
  type Sshd,
  type SshFixture,
  sshdHostvars,
  sshdSkipReason,
  sshdTarget,
  tcpSocketOwner,
} from "../helpers/sshd.js";

describe.skipIf(sshdSkipReason())("ssh reachability against real sshds", () => {
  let fx: SshFixture;
  let direct: Sshd;
  let bastion: Sshd;
  let hidden: Sshd;
  let pool: SshPool;
  const warnings: string[] = [];
  /** Every unreachable outcome the tests saw, for the no-secrets check. */
  const seen: { message: string; json: string; stack: string }[] = [];

  beforeAll(async () => {
    fx = await createSshFixture();
    [direct, bastion, hidden] = await Promise.all([
      fx.startSshd({ addresses: ["127.0.0.41"] }),
      fx.startSshd({ addresses: ["127.0.0.42"] }),
      // Reached only through the bastion in these tests; itself refuses to forward.
      fx.startSshd({ addresses: ["127.0.0.43", "127.0.0.44"], allowTcpForwarding: false }),
    ]);
    await fx.writeKnownHosts();
    pool = createSshPool({ knownHostsFiles: [fx.knownHostsPath], onWarning: (w) => warnings.push(w) });
  });

  afterAll(async () => {
    await pool?.closeAll();
    await fx?.cleanup();
  });

  const hostvars = (sshd: Sshd, extra: Record<string, unknown> = {}) => sshdHostvars(fx, sshd, extra);
  const targetOf = (sshd: Sshd, extra: Record<string, unknown> = {}, name = "web1") =>
    sshdTarget(fx, sshd, extra, name);

  async function unreachable(p: Promise<unknown>): Promise<SshUnreachable> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshUnreachableError);
    const e = err as SshUnreachableError;
    seen.push({ message: e.message, json: JSON.stringify(e), stack: String(e.stack) });
    return e.unreachable;
  }

  describe("bastion", () => {
    it("reaches targets through one bastion connection, via forwarded channels", async () => {
      const own = createSshPool({ knownHostsFiles: [fx.knownHostsPath] });
      const before = countAccepted(await bastion.readLog());
      const jump = { host: bastion.host, port: bastion.port, user: fx.user };
      const a = resolveSshTarget({ name: "a", vars: hostvars(hidden), settings: { bastion: jump } });
      // The second target names the bastion the ProxyJump way, in its hostvars.
      const b = resolveSshTarget({
        name: "b",
        vars: hostvars(hidden, {
          ansible_host: "127.0.0.44",
          ansible_ssh_common_args: `-o ProxyJump=${fx.user}@${bastion.host}:${bastion.port}`,
        }),
      });
      for (const t of [a, b]) {
        const conn = await own.get(t);
        // SSH_CONNECTION = client address, client port, server address, server port.
        const [srcAddr, srcPort, dstAddr, dstPort] = (
          await conn.exec({ script: "echo $SSH_CONNECTION" })
        ).stdout
          .trim()
          .split(" ");
        expect([dstAddr, Number(dstPort)]).toEqual([t.host, hidden.port]);
        const owner = await tcpSocketOwner(
          { address: srcAddr!, port: Number(srcPort) },
          { address: t.host, port: hidden.port },
        );
        expect(owner).toBeDefined();
        expect(owner).not.toBe(process.pid);
        expect(await isDescendant(owner!, bastion.pid)).toBe(true);
      }
      expect(countAccepted(await bastion.readLog()) - before).toBe(1);
      await own.closeAll();
    });

    it("says which hop failed", async () => {
      const jump = { host: bastion.host, port: bastion.port, user: fx.user };
      const closed = await freeLoopbackPort("127.0.0.43");
      const behind = resolveSshTarget({
        name: "x",
        vars: hostvars(hidden, { ansible_port: closed }),
        settings: { bastion: jump },
      });
      const refused = await unreachable(pool.get(behind));
      expect(refused).toMatchObject({ reason: "refused", hop: "target" });
      expect(refused.message).toMatch(/through bastion .*127\.0\.0\.42.*connection refused/);

      const wrongKey = await fx.generateKey("bastion-wrong");
      const badJump = resolveSshTarget({
        name: "x",
        vars: hostvars(hidden),
        settings: { bastion: { ...jump, private_key: wrongKey } },
      });
      expect(await unreachable(pool.get(badJump))).toMatchObject({ reason: "auth", hop: "bastion" });

      // `hidden` itself has AllowTcpForwarding no.
      const noForward = resolveSshTarget({
        name: "x",
        vars: hostvars(direct),
        settings: { bastion: { host: hidden.host, port: hidden.port, user: fx.user } },
      });
      expect(await unreachable(pool.get(noForward))).toMatchObject({
        reason: "forward-denied",
        hop: "target",
      });
    });
  });

  describe("unreachable hosts", () => {
    it("closed port → refused", async () => {
      const port = await freeLoopbackPort(direct.host);
      const u = await unreachable(pool.get(targetOf(direct, { ansible_port: port })));
      expect(u).toMatchObject({ reason: "refused", hop: "target", host: "web1" });
      expect(u.message).toBe(`cannot connect to ${fx.user}@127.0.0.41:${port}: connection refused`);
      const outcome = await runOverSsh(pool, targetOf(direct, { ansible_port: port }), async () => "never");
      expect(outcome).toMatchObject({ ok: false, unreachable: { reason: "refused" } });
    });

    it("wrong key → auth; encrypted key → auth with the reason", async () => {
      const wrong = await fx.generateKey("wrong");
      const u = await unreachable(pool.get(targetOf(direct, { ansible_ssh_private_key_file: wrong })));
      expect(u.reason).toBe("auth");
      expect(u.message).toMatch(/authentication failed \(publickey; tried key .*wrong\)/);
      const locked = await fx.generateKey("locked", "correct horse battery");
      const e = await unreachable(pool.get(targetOf(direct, { ansible_ssh_private_key_file: locked })));
      expect(e.reason).toBe("auth");
      expect(e.message).toMatch(/encrypted/);
      const missing = await unreachable(
        pool.get(targetOf(direct, { ansible_ssh_private_key_file: join(fx.dir, "nope") })),
      );
      expect(missing.message).toMatch(/cannot read private key file .*nope: ENOENT/);
    });

    it("host key mismatch and unknown host key, with the file, line and fingerprint", async () => {
      const lines = [
        ...bastion.knownHostsLines(),
        `[${direct.host}]:${direct.port} ${bastion.hostKey.type} ${bastion.hostKey.base64}`,
      ];
      const dir = await mkdtemp(join(fx.dir, "kh-"));
      const file = join(dir, "known_hosts");
      await writeFile(file, `# test\n${lines.join("\n")}\n`);
      const own = createSshPool({ knownHostsFiles: [file] });
      const m = await unreachable(own.get(targetOf(direct)));
      expect(m.reason).toBe("host-key-mismatch");
      expect(m.message).toContain(
        `host key for [127.0.0.41]:${direct.port} does not match known_hosts (${file} line 3)`,
      );
      expect(m.message).toMatch(/fingerprint SHA256:[A-Za-z0-9+/]{43} \(ssh-ed25519\)/);
      const none = createSshPool({ knownHostsFiles: [join(dir, "absent")] });
      const u = await unreachable(none.get(targetOf(direct)));
      expect(u.reason).toBe("host-key-unknown");
      expect(u.message).toContain(`host key for [127.0.0.41]:${direct.port} is not in known_hosts`);
    });

    it("accepts a known_hosts file hashed by ssh-keygen -H", async () => {
      const dir = await mkdtemp(join(fx.dir, "hashed-"));
      const file = join(dir, "known_hosts");
      await writeFile(file, `${direct.knownHostsLines().join("\n")}\n`);
      await run("ssh-keygen", ["-q", "-H", "-f", file], {});
      expect(await readFile(file, "utf8")).toMatch(/^\|1\|/);
      const own = createSshPool({ knownHostsFiles: [file] });
      expect((await (await own.get(targetOf(direct))).exec({ argv: ["true"] })).rc).toBe(0);
      await own.closeAll();
    });

    it("host_key_checking: false connects anyway, with one warning", async () => {
      const seenWarnings: string[] = [];
      const own = createSshPool({ knownHostsFiles: [], onWarning: (w) => seenWarnings.push(w) });
      for (const name of ["h1", "h2"]) {
        const conn = await own.get(targetOf(direct, { ansible_host_key_checking: false }, name));
        expect((await conn.exec({ argv: ["true"] })).rc).toBe(0);
      }
      expect(seenWarnings).toHaveLength(1);
      expect(seenWarnings[0]).toMatch(/host key checking is disabled/);
      warnings.push(...seenWarnings);
      await own.closeAll();
    });

    it("a server that never answers → timeout", async () => {
      const silent: Server = createServer(() => {});
      await new Promise<void>((r) => silent.listen(0, "127.0.0.41", r));
      const port = (silent.address() as { port: number }).port;
      const t = { ...targetOf(direct, { ansible_port: port }), connectTimeoutMs: 300 };
      const started = Date.now();
      expect(await unreachable(pool.get(t))).toMatchObject({ reason: "timeout" });
      expect(Date.now() - started).toBeLessThan(2000);
      silent.close();
      silent.unref();
    });

    it("a connection lost mid-run → closed; the next attempt reconnects (and is refused)", async () => {
      const doomed = await fx.startSshd({ addresses: ["127.0.0.45"] });
      await fx.writeKnownHosts();
      const own = createSshPool({ knownHostsFiles: [fx.knownHostsPath] });
      const t = targetOf(doomed);
      const conn = await own.get(t);
      expect((await conn.exec({ argv: ["true"] })).rc).toBe(0);
      await doomed.stop();
      const lost = await unreachable(conn.exec({ argv: ["true"] }));
      expect(lost.reason).toBe("closed");
      expect(await unreachable(own.get(t))).toMatchObject({ reason: "refused" });
      await own.closeAll();
    });

    it("uses ssh-agent when SSH_AUTH_SOCK is set", async () => {
      const sock = join(fx.dir, "agent.sock");
      const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
      try {
        await waitFor(() =>
          stat(sock).then(
            () => true,
            () => false,
          ),
        );
        await run("ssh-add", [fx.keyPath], { SSH_AUTH_SOCK: sock });
        const own = createSshPool({ knownHostsFiles: [fx.knownHostsPath], env: { SSH_AUTH_SOCK: sock } });
        const t = resolveSshTarget({
          name: "agent",
          vars: { ansible_host: direct.host, ansible_port: direct.port, ansible_user: fx.user },
        });
        expect(t.privateKeyPath).toBeUndefined();
        expect((await (await own.get(t)).exec({ argv: ["true"] })).rc).toBe(0);
        await own.closeAll();
      } finally {
        agent.kill();
      }
    });

    it("never puts key material or passphrases in messages or warnings", async () => {
      expect(seen.length).toBeGreaterThanOrEqual(8);
      const keyTexts = await Promise.all(
        ["id_ed25519", "wrong", "locked", "bastion-wrong"].map((k) => readFile(join(fx.dir, k), "utf8")),
      );
      const keyLines = keyTexts
        .flatMap((k) => k.split("\n"))
        .filter((l) => l.length >= 20 && !l.startsWith("-----"));
      const everything = [...seen.flatMap((s) => [s.message, s.json, s.stack]), ...warnings].join("\n");
      expect(everything).not.toMatch(/PRIVATE KEY/);
      expect(everything).not.toContain("correct horse battery");
      for (const line of keyLines) expect(everything).not.toContain(line);
    });
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: "ignore" });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}
