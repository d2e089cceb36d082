// One sshd process for the fixture (ssh-fixture.ts): config, launch on a free loopback port,
// readiness from its log, stop (with its per-connection children).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const SSHD = "/usr/sbin/sshd";
// sshd refuses more ListenAddress entries than this (MAX_LISTEN_SOCKS).
export const MAX_SSHD_ADDRESSES = 16;

export interface StartSshdOptions {
  /** Loopback addresses (127.0.0.0/8) to listen on, same port on each; at most 16. */
  addresses: string[];
  /** Default true (a bastion needs it). */
  allowTcpForwarding?: boolean;
  /** Default VERBOSE, which logs each connection's source address and port. */
  logLevel?: "INFO" | "VERBOSE" | "DEBUG";
  extraConfig?: string[];
}

export interface Sshd {
  addresses: string[];
  /** The first address. */
  host: string;
  port: number;
  pid: number;
  hostKey: { type: string; base64: string };
  logFile: string;
  /** `[addr]:port type key` for each address. */
  knownHostsLines(): string[];
  readLog(): Promise<string>;
  stop(): Promise<void>;
}

export async function generateKeyPair(path: string, passphrase = ""): Promise<void> {
  // An existing file would make ssh-keygen ask whether to overwrite it, and wait forever.
  await rm(path, { force: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "rollcall-fixture", "-f", path]);
}

let penaltiesProbe: Promise<boolean> | undefined;
// OpenSSH 9.8+ penalises a source address after failed logins (our wrong-key tests) by refusing
// its next connections; older versions reject the option.
export function supportsPerSourcePenalties(): Promise<boolean> {
  penaltiesProbe ??= run(SSHD, ["-V"]).then(
    (r) => versionAtLeast(r.stdout + r.stderr, 9, 8),
    (err: { stdout?: string; stderr?: string }) => versionAtLeast(`${err.stdout}${err.stderr}`, 9, 8),
  );
  return penaltiesProbe;
}

function versionAtLeast(text: string, major: number, minor: number): boolean {
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(text);
  return m ? Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor) : false;
}

export interface SshdConfigInput extends StartSshdOptions {
  user: string;
  authorizedName: string;
  penalties: boolean;
}

export async function startSshd(dir: string, name: string, o: SshdConfigInput): Promise<Sshd> {
  if (o.addresses.length === 0 || o.addresses.length > MAX_SSHD_ADDRESSES) {
    throw new Error(`an sshd listens on 1 to ${MAX_SSHD_ADDRESSES} addresses, not ${o.addresses.length}`);
  }
  for (const a of o.addresses)
    if (!/^127\.\d+\.\d+\.\d+$/.test(a)) throw new Error(`not a loopback address: ${a}`);
  const hostKeyPath = join(dir, `host-${name}`);
  await generateKeyPair(hostKeyPath);
  const [type, base64] = (await readFile(`${hostKeyPath}.pub`, "utf8")).trim().split(/\s+/);
  const logFile = join(dir, `sshd-${name}.log`);
  const configPath = join(dir, `sshd-${name}.conf`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(o.addresses[0]!);
    await writeFile(configPath, sshdConfig(o, port, hostKeyPath, join(dir, `sshd-${name}.pid`)));
    await writeFile(logFile, "");
    try {
      const child = await launch(configPath, logFile, o.addresses, port);
      const sshd: Sshd = {
        addresses: o.addresses,
        host: o.addresses[0]!,
        port,
        pid: child.pid!,
        hostKey: { type: type!, base64: base64! },
        logFile,
        knownHostsLines: () => o.addresses.map((a) => `[${a}]:${port} ${type} ${base64}`),
        readLog: () => readFile(logFile, "utf8"),
        stop: () => stopSshd(child),
      };
      return sshd;
    } catch (err) {
      // Someone took the port between our probe and sshd's bind: try another.
      if (attempt < 3 && /Address already in use/.test(String(err))) continue;
      throw err;
    }
  }
}

function sshdConfig(o: SshdConfigInput, port: number, hostKey: string, pidFile: string): string {
  return [
    ...o.addresses.map((a) => `ListenAddress ${a}:${port}`),
    `HostKey ${hostKey}`,
    `PidFile ${pidFile}`,
    `AuthorizedKeysFile .ssh/${o.authorizedName}`,
    `AllowUsers ${o.user}`,
    "AuthenticationMethods publickey",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "PermitRootLogin no",
    "StrictModes yes",
    "UseDNS no",
    "X11Forwarding no",
    "AllowAgentForwarding no",
    `AllowTcpForwarding ${o.allowTcpForwarding === false ? "no" : "yes"}`,
    "PrintMotd no",
    "Subsystem sftp internal-sftp",
    // The benchmark opens 20 connections at once; the default (10:30:100) drops some.
    "MaxStartups 200",
    "LoginGraceTime 20",
    `LogLevel ${o.logLevel ?? "VERBOSE"}`,
    ...(o.penalties ? ["PerSourcePenalties no"] : []),
    ...(o.extraConfig ?? []),
    "",
  ].join("\n");
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHook = false;

// sshd must be started by absolute path (it re-executes itself); -D keeps it in the foreground
// as our child, -E sends its log to a file we can read.
async function launch(
  config: string,
  logFile: string,
  addresses: string[],
  port: number,
): Promise<ChildProcess> {
  if (!exitHook) {
    exitHook = true;
    // A crashed test run must not leave sshd processes behind.
    process.on("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  const child = spawn(SSHD, ["-D", "-f", config, "-E", logFile], { stdio: ["ignore", "ignore", "pipe"] });
  live.add(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  let exited = false;
  child.once("exit", () => {
    exited = true;
    live.delete(child);
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = await readFile(logFile, "utf8").catch(() => "");
    if (addresses.every((a) => log.includes(`Server listening on ${a} port ${port}`))) return child;
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`sshd did not start: ${(stderr + log).trim() || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function stopSshd(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // Per-connection sshd processes outlive the listener: end them too, by parent pid.
  for (const pid of await childPids(child.pid!)) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {}
  }
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

/** Pids whose parent is `ppid` (from /proc). */
export async function childPids(ppid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // Fields after the ")" that closes the command name: state, ppid, …
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === ppid) out.push(Number(entry));
  }
  return out;
}
