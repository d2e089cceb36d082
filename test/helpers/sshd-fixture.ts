// A real OpenSSH server on loopback, for the SSH tests (test/helpers/sshd.ts re-exports this)
// and the SSH benchmark. Needs root (sshd drops privileges per connection) and Debian's
// openssh-server. Everything lives in one temp dir: host keys, sshd_config, logs, the client key
// and known_hosts. The login user is a fixed system user (created once, idempotently); each
// fixture authorizes its own key for it in a file of its own, and its own sudoers rule, and
// removes both on cleanup. The user itself is removed when the suite ends, if a fixture created
// it and no one else uses it (sshd-fixture-leftovers.ts, called by the global teardown).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markUserCreated, registerUse, SUDOERS_DIR, sudoersRuleName } from "./sshd-fixture-leftovers.js";
import {
  generateKeyPair,
  SSHD,
  type Sshd,
  type StartSshdOptions,
  startSshd,
  supportsPerSourcePenalties,
} from "./sshd-fixture-system.js";

export { removeSshFixtureLeftovers } from "./sshd-fixture-leftovers.js";
export { childPids, MAX_SSHD_ADDRESSES, type Sshd, type StartSshdOptions } from "./sshd-fixture-system.js";

export interface SshFixture {
  dir: string;
  user: string;
  /** The login user's authorized private key (ed25519, no passphrase). */
  keyPath: string;
  knownHostsPath: string;
  /** A sudoers rule lets `user` run anything as anyone without a password. */
  sudo: boolean;
  startSshd(options: StartSshdOptions): Promise<Sshd>;
  /** Write knownHostsPath: the given lines, default every started sshd's. */
  writeKnownHosts(lines?: string[]): Promise<string>;
  /** Another key pair (not authorized); returns the private key path. */
  generateKey(name: string, passphrase?: string): Promise<string>;
  /** Stop every sshd, remove the authorized key file, the sudoers rule and the temp dir. */
  cleanup(): Promise<void>;
}

/** Why a real sshd cannot run here, or undefined when it can. */
export function sshdUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "sshd needs root (tests run as root in CI)";
  try {
    accessSync(SSHD, constants.X_OK);
  } catch {
    return `${SSHD} not found (apt-get install openssh-server)`;
  }
  if (spawnSync("sh", ["-c", "command -v ssh-keygen"]).status !== 0) return "ssh-keygen not found";
  return undefined;
}

export function sudoUnavailableReason(): string | undefined {
  return spawnSync("sh", ["-c", "command -v sudo"]).status === 0
    ? undefined
    : "sudo not found (apt-get install sudo)";
}

export async function createSshFixture(options: { user?: string; sudo?: boolean } = {}): Promise<SshFixture> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(`cannot start sshd: ${reason}`);
  const id = randomBytes(4).toString("hex");
  const user = options.user ?? "rollcall-ssh";
  const dir = await mkdtemp(join(tmpdir(), "rollcall-sshd-"));
  const sshds: Sshd[] = [];
  let started = 0;
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    await mkdir("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation dir
    cleanups.push(await registerUse(user, id));
    const account = await ensureUser(user);
    const keyPath = join(dir, "id_ed25519");
    await generateKeyPair(keyPath);
    const authorizedName = `authorized_keys-rollcall-${id}`;
    const sshDir = join(account.home, ".ssh");
    await mkdir(sshDir, { recursive: true, mode: 0o700 });
    await chown(sshDir, account.uid, account.gid);
    const authorized = join(sshDir, authorizedName);
    await writeFile(authorized, await readFile(`${keyPath}.pub`), { mode: 0o600 });
    await chown(authorized, account.uid, account.gid);
    cleanups.push(() => rm(authorized, { force: true }));
    const sudo = options.sudo === true && sudoUnavailableReason() === undefined;
    if (sudo) cleanups.push(await addSudoRule(user, id));
    const penalties = await supportsPerSourcePenalties();
    const knownHostsPath = join(dir, "known_hosts");
    return {
      dir,
      user,
      keyPath,
      knownHostsPath,
      sudo,
      async startSshd(o) {
        const sshd = await startSshd(dir, `${id}-${started++}`, { ...o, user, authorizedName, penalties });
        sshds.push(sshd);
        return sshd;
      },
      async writeKnownHosts(lines) {
        await writeFile(
          knownHostsPath,
          `${(lines ?? sshds.flatMap((s) => s.knownHostsLines())).join("\n")}\n`,
        );
        return knownHostsPath;
      },
      async generateKey(name, passphrase) {
        const path = join(dir, name);
        await generateKeyPair(path, passphrase);
        return path;
      },
      async cleanup() {
        await Promise.all(sshds.map((s) => s.stop()));
        for (const c of cleanups.reverse()) await c().catch(() => {});
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    throw err;
  }
}

async function ensureUser(user: string): Promise<{ uid: number; gid: number; home: string }> {
  const lookup = () => spawnSync("getent", ["passwd", user], { encoding: "utf8" }).stdout.trim();
  if (!lookup()) {
    // "*" (not "!"): no password, yet not "locked", which sshd without PAM would refuse.
    const r = spawnSync("useradd", ["--create-home", "--shell", "/bin/sh", "--password", "*", user], {
      encoding: "utf8",
    });
    // Another test process may have created it at the same time.
    if (r.status !== 0 && !lookup()) throw new Error(`useradd ${user} failed: ${r.stderr.trim()}`);
    if (r.status === 0) await markUserCreated(user);
  }
  const [, , uid, gid, , home] = lookup().split(":");
  return { uid: Number(uid), gid: Number(gid), home: home! };
}

async function addSudoRule(user: string, id: string): Promise<() => Promise<void>> {
  // sudo ignores files in sudoers.d whose name has a dot: the temp name is inert until renamed.
  const name = sudoersRuleName(id);
  const path = join(SUDOERS_DIR, name);
  const tmp = join(SUDOERS_DIR, `.${name}.tmp`);
  await writeFile(tmp, `${user} ALL=(ALL:ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  await chmod(tmp, 0o440);
  const check = spawnSync("visudo", ["-cf", tmp], { encoding: "utf8" });
  if (check.error === undefined && check.status !== 0) {
    await rm(tmp, { force: true });
    throw new Error(`invalid sudoers rule: ${check.stdout}${check.stderr}`);
  }
  await rename(tmp, path);
  return () => rm(path, { force: true });
}
