// Open one SSH hop (a bastion, or a target directly or over a bastion's forwarded channel):
// identities, known_hosts verification, timeouts, and the typed unreachable outcome.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { Config } from "node-ssh";
import type { ServerHostKeyAlgorithm } from "ssh2";
import { SshConnection } from "./connection.js";
import { classifySshError, SshUnreachableError, type SshUnreachableReason, scrub } from "./errors.js";
import {
  checkHostKey,
  fingerprintSha256,
  type HostKeyVerdict,
  hostKeyType,
  type KnownHostEntry,
  knownHostsName,
  preferredHostKeyAlgorithms,
} from "./known-hosts.js";
import type { SshEndpoint, SshTarget } from "./target.js";

export interface HopContext {
  homeDir?: string;
  /** SSH_AUTH_SOCK is read from here. */
  env: Readonly<Record<string, string | undefined>>;
  knownHosts(): Promise<KnownHostEntry[]>;
  knownHostsFiles: readonly string[];
  keepaliveIntervalMs: number;
}

export interface Hop {
  /** What the connection is for: the target, or a bastion on the way to it. */
  target: SshTarget;
  endpoint: SshEndpoint;
  hop: "target" | "bastion";
  /** The bastion the target is reached through (for messages). */
  via?: SshEndpoint;
  /** Open the stream to connect over (a bastion's forwarded channel); absent: TCP. */
  openStream?: () => Promise<Duplex>;
}

const DEFAULT_IDENTITIES = ["id_ed25519", "id_ecdsa", "id_rsa"];

export async function connectHop(hop: Hop, ctx: HopContext): Promise<SshConnection> {
  const { target, endpoint } = hop;
  const fail = (reason: SshUnreachableReason, detail: string) =>
    new SshUnreachableError({
      reason,
      host: target.name,
      hop: hop.hop,
      message: `${describeHop(hop)}: ${detail}`,
    });
  const identity = await loadIdentity(endpoint, ctx).catch((err: NodeJS.ErrnoException) => {
    throw fail("auth", `cannot read private key file ${endpoint.privateKeyPath}: ${err.code ?? err.message}`);
  });
  const { NodeSSH } = await import("node-ssh");
  const ssh = new NodeSSH();
  const config: Config = {
    username: endpoint.user,
    readyTimeout: target.connectTimeoutMs,
    keepaliveInterval: ctx.keepaliveIntervalMs,
  };
  if (identity.privateKey) config.privateKey = identity.privateKey;
  if (identity.agent) config.agent = identity.agent;
  let verdict: HostKeyVerdict | undefined;
  let presented: Buffer | undefined;
  if (target.hostKeyChecking) {
    const entries = await ctx.knownHosts();
    config.hostVerifier = (key: Buffer) => {
      presented = key;
      verdict = checkHostKey(entries, endpoint.host, endpoint.port, key);
      return verdict.status === "match";
    };
    const algorithms = preferredHostKeyAlgorithms(entries, endpoint.host, endpoint.port);
    if (algorithms) config.algorithms = { serverHostKey: algorithms as ServerHostKeyAlgorithm[] };
  }
  try {
    if (hop.openStream) {
      config.sock = (await openStreamWithin(hop.openStream, target.connectTimeoutMs)) as Config["sock"];
    } else {
      config.host = endpoint.host;
      config.port = endpoint.port;
    }
    await ssh.connect(config);
  } catch (err) {
    ssh.dispose();
    if (err instanceof SshUnreachableError) throw err;
    if (verdict && verdict.status !== "match" && presented) {
      const [reason, detail] = describeVerdict(verdict, endpoint, presented, ctx.knownHostsFiles);
      throw fail(reason, detail);
    }
    const { reason, detail } = classifySshError(err);
    throw fail(reason, scrub(decorate(reason, detail, target, identity.tried), identity.secrets));
  }
  return new SshConnection(ssh, hop.hop === "target" ? target : bastionAsTarget(target, endpoint));
}

// The channel open is not covered by ssh2's readyTimeout. A channel that opens after we gave up
// is closed, not leaked.
async function openStreamWithin(open: () => Promise<Duplex>, ms: number): Promise<Duplex> {
  const opening = open();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })), ms);
  });
  try {
    return await Promise.race([opening, timeout]);
  } catch (err) {
    opening.then(
      (stream) => stream.destroy(),
      () => {},
    );
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function decorate(reason: SshUnreachableReason, detail: string, target: SshTarget, tried: string[]): string {
  if (reason === "timeout") return `${detail} (after ${target.connectTimeoutMs / 1000} s)`;
  if (reason !== "auth" || detail !== "authentication failed") return detail;
  if (tried.length === 0) {
    return "authentication failed: no private key and no ssh-agent (set ansible_ssh_private_key_file, ssh.private_key or --private-key, or SSH_AUTH_SOCK)";
  }
  return `authentication failed (publickey; tried ${tried.join(", ")})`;
}

function describeVerdict(
  verdict: Exclude<HostKeyVerdict, { status: "match" }>,
  endpoint: SshEndpoint,
  key: Buffer,
  files: readonly string[],
): [SshUnreachableReason, string] {
  const name = knownHostsName(endpoint.host, endpoint.port);
  const fingerprint = `fingerprint ${fingerprintSha256(key)} (${hostKeyType(key)})`;
  switch (verdict.status) {
    case "mismatch":
      return [
        "host-key-mismatch",
        `host key for ${name} does not match known_hosts (${verdict.entry.file} line ${verdict.entry.line}); ${fingerprint}. ` +
          "The host was rebuilt, or someone is intercepting the connection: check, then update known_hosts.",
      ];
    case "revoked":
      return [
        "host-key-revoked",
        `host key for ${name} is marked @revoked in ${verdict.entry.file} line ${verdict.entry.line}; ${fingerprint}`,
      ];
    case "unknown": {
      const others = verdict.knownTypes.length
        ? ` (known_hosts has only ${verdict.knownTypes.join(", ")} keys for it)`
        : "";
      return [
        "host-key-unknown",
        `host key for ${name} is not in known_hosts (${files.join(", ") || "no file"})${others}; ${fingerprint}. ` +
          "Add it with ssh-keyscan after checking it, or set ssh.host_key_checking: false.",
      ];
    }
  }
}

export function describeEndpoint(e: SshEndpoint): string {
  return `${e.user}@${e.host}:${e.port}`;
}

function describeHop(hop: Hop): string {
  if (hop.hop === "bastion") return `cannot connect to bastion ${describeEndpoint(hop.endpoint)}`;
  const via = hop.via ? ` through bastion ${describeEndpoint(hop.via)}` : "";
  return `cannot connect to ${describeEndpoint(hop.endpoint)}${via}`;
}

function bastionAsTarget(target: SshTarget, bastion: SshEndpoint): SshTarget {
  return {
    ...bastion,
    name: `bastion ${bastion.host}`,
    hostKeyChecking: target.hostKeyChecking,
    connectTimeoutMs: target.connectTimeoutMs,
  };
}

interface Identity {
  privateKey?: string;
  agent?: string;
  /** For the auth failure message: "key PATH", "ssh-agent". */
  tried: string[];
  /** Key texts, scrubbed from any vendor message. */
  secrets: string[];
}

async function loadIdentity(endpoint: SshEndpoint, ctx: HopContext): Promise<Identity> {
  const identity: Identity = { tried: [], secrets: [] };
  if (endpoint.privateKeyPath) {
    identity.privateKey = await readFile(expandHome(endpoint.privateKeyPath, ctx.homeDir), "utf8");
    identity.tried.push(`key ${endpoint.privateKeyPath}`);
  } else if (ctx.homeDir) {
    const found = await firstUsableDefaultKey(ctx.homeDir);
    if (found) {
      identity.privateKey = found.text;
      identity.tried.push(`key ${found.path}`);
    }
  }
  if (identity.privateKey) identity.secrets.push(identity.privateKey);
  const agent = ctx.env.SSH_AUTH_SOCK;
  if (agent) {
    identity.agent = agent;
    identity.tried.push("ssh-agent");
  }
  return identity;
}

// ssh's default identities. An encrypted one is skipped (its key may be in the agent), where an
// explicitly configured encrypted key is reported.
async function firstUsableDefaultKey(home: string): Promise<{ path: string; text: string } | undefined> {
  const { utils } = await import("ssh2");
  for (const name of DEFAULT_IDENTITIES) {
    const path = join(home, ".ssh", name);
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text !== undefined && !(utils.parseKey(text) instanceof Error)) return { path, text };
  }
  return undefined;
}

export function expandHome(path: string, home: string | undefined): string {
  if (home && (path === "~" || path.startsWith("~/"))) return join(home, path.slice(1));
  return path;
}
