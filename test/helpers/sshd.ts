// The real-sshd fixture for tests. The process management lives in test/helpers/sshd-fixture.ts so
// the SSH benchmark (built from src/) can use it too; this adds what only tests need: the
// skip-or-require rule and /proc lookups that show which process owns a TCP connection.
import { readdir, readFile, readlink } from "node:fs/promises";
import { createServer } from "node:net";
import { resolveSshTarget, type SshTarget } from "../../src/cloud/ssh/index.js";
import { type Sshd, type SshFixture, sshdUnavailableReason, sudoUnavailableReason } from "./sshd-fixture.js";

export {
  childPids,
  createSshFixture,
  MAX_SSHD_ADDRESSES,
  removeSshFixtureLeftovers,
  type Sshd,
  type SshFixture,
  type StartSshdOptions,
  sshdUnavailableReason,
  sudoUnavailableReason,
} from "./sshd-fixture.js";

/**
 * Why the sshd tests must be skipped here, or undefined to run them. With CI set, a missing
 * prerequisite is an error instead: CI installs openssh-server and runs as root.
 */
export function sshdSkipReason(): string | undefined {
  return required(sshdUnavailableReason(), "sshd");
}

export function sudoSkipReason(): string | undefined {
  return required(sudoUnavailableReason(), "sudo");
}

function required(reason: string | undefined, what: string): string | undefined {
  if (reason && process.env.CI) throw new Error(`${what} tests are required in CI: ${reason}`);
  if (reason) console.log(`skipping ${what} tests: ${reason}`);
  return reason;
}

export interface TcpEnd {
  address: string;
  port: number;
}

/**
 * The pid of the process holding the socket whose local end is `local` and remote end `remote`
 * (IPv4, from /proc/net/tcp), or undefined.
 */
export async function tcpSocketOwner(local: TcpEnd, remote: TcpEnd): Promise<number | undefined> {
  const table = await readFile("/proc/net/tcp", "utf8");
  const want = `${procAddress(local)} ${procAddress(remote)}`;
  const row = table
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((f) => `${f[1]} ${f[2]}` === want);
  const inode = row?.[9];
  if (!inode || inode === "0") return undefined;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      if (link === `socket:[${inode}]`) return Number(pid);
    }
  }
  return undefined;
}

/** Whether `ancestor` is `pid` or one of its ancestors. */
export async function isDescendant(pid: number, ancestor: number): Promise<boolean> {
  for (let p = pid; p > 1; ) {
    if (p === ancestor) return true;
    const stat = await readFile(`/proc/${p}/stat`, "utf8").catch(() => "");
    p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isFinite(p)) return false;
  }
  return false;
}

// /proc/net/tcp writes an IPv4 address as the 32-bit value in host (little-endian) byte order.
function procAddress(end: TcpEnd): string {
  const hex = end.address
    .split(".")
    .reverse()
    .map((o) => Number(o).toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
  return `${hex}:${end.port.toString(16).padStart(4, "0").toUpperCase()}`;
}

/** How many logins an sshd log shows. */
export function countAccepted(log: string): number {
  return log.split("\n").filter((l) => l.includes("Accepted publickey")).length;
}

/** A port nothing listens on (right now) at this loopback address. */
export function freeLoopbackPort(address: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, address, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The hostvars an inventory would give a host served by `sshd`, logging in as the fixture user. */
export function sshdHostvars(
  fx: SshFixture,
  sshd: Sshd,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ansible_host: sshd.host,
    ansible_port: sshd.port,
    ansible_user: fx.user,
    ansible_ssh_private_key_file: fx.keyPath,
    ...extra,
  };
}

export function sshdTarget(
  fx: SshFixture,
  sshd: Sshd,
  extra: Record<string, unknown> = {},
  name = "web1",
): SshTarget {
  return resolveSshTarget({ name, vars: sshdHostvars(fx, sshd, extra), settings: { connect_timeout: 5 } });
}
