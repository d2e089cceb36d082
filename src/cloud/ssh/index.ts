// The SSH transport (node-ssh over ssh2): a pool with one connection per host, created on first
// use, reused for every task of that host, closed at the end of the run. A bastion is connected
// once and every target behind it is reached through a channel it forwards (ProxyJump).
//
// Outcomes: connecting (or losing the connection mid-task) throws SshUnreachableError, with a
// typed `reason`; `runOverSsh` turns that into data, `{ ok: false, unreachable }`, which is what
// the runner reports as UNREACHABLE. A command that runs and fails is an ExecResult with rc ≠ 0.
// Other remote failures (SFTP permission denied, sudo refused during an upload) are RemoteError
// with service "ssh": a failed task.
//
// Nothing here prints or reads process.env: the caller passes `env` (SSH_AUTH_SOCK), the home
// directory (for `~/`, ~/.ssh/known_hosts and the default identities) and a warning sink.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connectHop, describeEndpoint, type HopContext } from "./connect.js";
import type { SshConnection } from "./connection.js";
import { isSshUnreachable, type SshUnreachable } from "./errors.js";
import { type KnownHostEntry, parseKnownHosts } from "./known-hosts.js";
import type { SshEndpoint, SshTarget } from "./target.js";

export type { RemoteCommand, RemoteCommandSpec } from "./command.js";
export { buildRemoteCommand, quoteGlob, quoteShellArg, quoteShellArgs } from "./command.js";
export type { BecomeOptions, SshExecRequest, SshExecResult, SshRawResult } from "./connection.js";
export { SshConnection } from "./connection.js";
export type { SshUnreachable, SshUnreachableReason } from "./errors.js";
export { classifySshError, isSshUnreachable, SshUnreachableError } from "./errors.js";
export type { RemoteFileState, UploadOptions, UploadResult } from "./files.js";
export type { HostKeyVerdict, KnownHostEntry } from "./known-hosts.js";
export { checkHostKey, fingerprintSha256, knownHostsName, parseKnownHosts } from "./known-hosts.js";
export type {
  ResolveSshTargetInput,
  SshEndpoint,
  SshOverrides,
  SshSettings,
  SshTarget,
} from "./target.js";
export {
  parseJumpHost,
  parseSshSettings,
  proxyJumpFromArgs,
  resolveSshTarget,
  sshSettingsSchema,
} from "./target.js";

export interface SshPoolOptions {
  /** Environment for SSH_AUTH_SOCK (ssh-agent). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Expands `~/` in key paths; default known_hosts and identities live under it. */
  homeDir?: string;
  /** Default: ~/.ssh/known_hosts (with homeDir) and /etc/ssh/ssh_known_hosts. */
  knownHostsFiles?: readonly string[];
  /** Called once per pool when a host is connected with host key checking disabled. */
  onWarning?: (message: string) => void;
  /** SSH keepalive on idle connections (a recycle can keep a connection idle for minutes). */
  keepaliveIntervalMs?: number;
}

export interface SshPool {
  /** The host's connection: created on first use, then reused. Throws SshUnreachableError. */
  get(target: SshTarget): Promise<SshConnection>;
  /** Close one host's connection (e.g. after the instance was recycled). */
  release(target: SshTarget): Promise<void>;
  /** Close every connection, targets first, then bastions. */
  closeAll(): Promise<void>;
}

export type SshOutcome<T> = { ok: true; value: T } | { ok: false; unreachable: SshUnreachable };

/** Run `fn` on the host's pooled connection; an unreachable host is returned, not thrown. */
export async function runOverSsh<T>(
  pool: SshPool,
  target: SshTarget,
  fn: (connection: SshConnection) => Promise<T>,
): Promise<SshOutcome<T>> {
  try {
    return { ok: true, value: await fn(await pool.get(target)) };
  } catch (err) {
    if (isSshUnreachable(err)) return { ok: false, unreachable: err.unreachable };
    throw err;
  }
}

// One piece (≈80 lines, ≈25 of its own): get/release/closeAll share the pool's maps.
export function createSshPool(options: SshPoolOptions = {}): SshPool {
  const files = options.knownHostsFiles ?? [
    ...(options.homeDir ? [join(options.homeDir, ".ssh", "known_hosts")] : []),
    "/etc/ssh/ssh_known_hosts",
  ];
  let knownHosts: Promise<KnownHostEntry[]> | undefined;
  const ctx: HopContext = {
    env: options.env ?? {},
    knownHostsFiles: files,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
    knownHosts: () => (knownHosts ??= loadKnownHosts(files)),
  };
  if (options.homeDir) ctx.homeDir = options.homeDir;
  const targets = new Map<string, Promise<SshConnection>>();
  const bastions = new Map<string, Promise<SshConnection>>();
  let warned = false;

  // Concurrent callers share one attempt (and its failure); a failed attempt is forgotten so a
  // later call retries, and a connection the server closed is replaced.
  const cached = (
    map: Map<string, Promise<SshConnection>>,
    key: string,
    open: () => Promise<SshConnection>,
  ) => {
    const replace = (stale: Promise<SshConnection> | undefined): Promise<SshConnection> => {
      const current = map.get(key);
      if (current && current !== stale) return current;
      const attempt = open();
      map.set(key, attempt);
      attempt.catch(() => map.get(key) === attempt && map.delete(key));
      return attempt;
    };
    const existing = map.get(key);
    return existing ? existing.then((c) => (c.isOpen ? c : replace(existing))) : replace(undefined);
  };

  const bastionFor = (target: SshTarget, bastion: SshEndpoint) =>
    cached(bastions, `${endpointKey(bastion)}|${target.hostKeyChecking}`, () =>
      connectHop({ target, endpoint: bastion, hop: "bastion" }, ctx),
    );

  const open = async (target: SshTarget): Promise<SshConnection> => {
    if (!target.hostKeyChecking && !warned) {
      warned = true;
      options.onWarning?.(
        `SSH host key checking is disabled (ssh.host_key_checking: false), first for ${target.name} ` +
          `(${target.host}:${target.port}): the hosts' identities are not verified`,
      );
    }
    const { bastion } = target;
    if (!bastion) return connectHop({ target, endpoint: target, hop: "target" }, ctx);
    const jump = await bastionFor(target, bastion);
    return connectHop(
      {
        target,
        endpoint: target,
        hop: "target",
        via: bastion,
        openStream: () => jump.forwardOut(target.host, target.port),
      },
      ctx,
    );
  };

  return {
    get: (target) => cached(targets, targetKey(target), () => open(target)),
    async release(target) {
      const key = targetKey(target);
      const attempt = targets.get(key);
      targets.delete(key);
      await attempt?.then((c) => c.close()).catch(() => {});
    },
    async closeAll() {
      const closeEach = async (map: Map<string, Promise<SshConnection>>) => {
        const attempts = [...map.values()];
        map.clear();
        await Promise.all(attempts.map((a) => a.then((c) => c.close()).catch(() => {})));
      };
      await closeEach(targets);
      await closeEach(bastions);
    },
  };
}

function endpointKey(e: SshEndpoint): string {
  return `${describeEndpoint(e)}#${e.privateKeyPath ?? ""}`;
}

function targetKey(t: SshTarget): string {
  return `${endpointKey(t)}|${t.bastion ? endpointKey(t.bastion) : "direct"}|${t.hostKeyChecking}`;
}

async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const lists = await Promise.all(
    files.map((file) =>
      readFile(file, "utf8").then(
        (text) => parseKnownHosts(text, file),
        // A missing file just knows no hosts: the connection is then "host-key-unknown".
        () => [],
      ),
    ),
  );
  return lists.flat();
}
