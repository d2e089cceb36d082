// Where and how to reach one host: merged from the CLI (--user, --private-key), the host's vars
// (ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file, a ProxyJump in
// ansible_ssh_common_args) and the play's `ssh:` block, in that order of precedence. Note that
// Ansible itself lets inventory vars beat `-u`; here the CLI overrides, as the issue asks.
import { z } from "zod";
import { UsageError } from "../../errors.js";

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** A path; `~/` is expanded against the pool's home dir. Absent: ssh-agent and default keys. */
  privateKeyPath?: string;
}

export interface SshTarget extends SshEndpoint {
  /** The inventory hostname, for messages. */
  name: string;
  /** Reached first; the target is connected through a channel it forwards. */
  bastion?: SshEndpoint;
  /** false skips known_hosts verification (the pool warns once). */
  hostKeyChecking: boolean;
  /** TCP connect + SSH handshake + auth, per hop. */
  connectTimeoutMs: number;
}

const port = z.coerce.number().int().min(1).max(65535);
const bastionObject = z.strictObject({
  host: z.string().min(1),
  port: port.optional(),
  user: z.string().min(1).optional(),
  private_key: z.string().min(1).optional(),
});

/** The play-level `ssh:` block. `bastion` may also be a ProxyJump string `user@host:port`. */
export const sshSettingsSchema = z.strictObject({
  user: z.string().min(1).optional(),
  port: port.optional(),
  private_key: z.string().min(1).optional(),
  host_key_checking: z.boolean().optional(),
  /** Seconds, like Ansible's `timeout`. */
  connect_timeout: z.number().positive().optional(),
  bastion: z.union([z.string().min(1), bastionObject]).optional(),
});

export type SshSettings = z.infer<typeof sshSettingsSchema>;

/** Validate a play's `ssh:` value (for callers without positions; the schema is exported too). */
export function parseSshSettings(value: unknown): SshSettings {
  const result = sshSettingsSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new UsageError(
    result.error.issues.map((i) => ({
      message: `ssh${i.path.map((p) => `.${String(p)}`).join("")}: ${i.message}`,
    })),
  );
}

/** Command-line overrides: `--user`, `--private-key`. */
export interface SshOverrides {
  user?: string;
  privateKey?: string;
}

export interface ResolveSshTargetInput {
  /** The inventory hostname. */
  name: string;
  vars: Readonly<Record<string, unknown>>;
  settings?: SshSettings;
  overrides?: SshOverrides;
  /** Used when nothing names a user (the CLI passes the local user name, as ssh does). */
  defaultUser?: string;
}

const DEFAULT_CONNECT_TIMEOUT_S = 10;

export function resolveSshTarget(input: ResolveSshTargetInput): SshTarget {
  const { name, vars, settings = {}, overrides = {} } = input;
  const str = (key: string) => stringVar(name, vars, key);
  const host = str("ansible_host") ?? str("ansible_ssh_host") ?? name;
  const user =
    overrides.user ?? str("ansible_user") ?? str("ansible_ssh_user") ?? settings.user ?? input.defaultUser;
  if (!user) throw new UsageError(`host ${name}: no SSH user (set ansible_user, ssh.user or --user)`);
  const privateKeyPath =
    overrides.privateKey ??
    str("ansible_ssh_private_key_file") ??
    str("ansible_private_key_file") ??
    settings.private_key;
  const target: SshTarget = {
    name,
    host,
    port:
      portVar(name, vars, "ansible_port") ?? portVar(name, vars, "ansible_ssh_port") ?? settings.port ?? 22,
    user,
    hostKeyChecking:
      boolVar(name, vars, "ansible_ssh_host_key_checking") ??
      boolVar(name, vars, "ansible_host_key_checking") ??
      settings.host_key_checking ??
      true,
    connectTimeoutMs:
      (numberVar(name, vars, "ansible_ssh_timeout") ??
        settings.connect_timeout ??
        DEFAULT_CONNECT_TIMEOUT_S) * 1000,
  };
  if (privateKeyPath) target.privateKeyPath = privateKeyPath;
  const jump =
    proxyJumpFromArgs(str("ansible_ssh_common_args")) ?? proxyJumpFromArgs(str("ansible_ssh_extra_args"));
  const bastion = jump ?? settings.bastion;
  if (bastion !== undefined) {
    const spec = typeof bastion === "string" ? parseJumpHost(bastion, name) : bastion;
    target.bastion = { host: spec.host, port: spec.port ?? 22, user: spec.user ?? user };
    const key = typeof bastion === "string" ? undefined : bastion.private_key;
    // ProxyJump uses the same identities for the jump host; an explicit bastion key wins.
    if (key ?? privateKeyPath) target.bastion.privateKeyPath = key ?? privateKeyPath;
  }
  return target;
}

/** Parse a ProxyJump-style `[user@]host[:port]` (also `ssh://…` and `[host]:port`). One hop only. */
export function parseJumpHost(
  spec: string,
  forHost?: string,
): { host: string; port?: number; user?: string } {
  const where = forHost ? `host ${forHost}: ` : "";
  const text = spec.trim().replace(/^ssh:\/\//, "");
  if (text.includes(","))
    throw new UsageError(`${where}bastion ${JSON.stringify(spec)}: only one jump host is supported`);
  const m = /^(?:([^@\s]+)@)?(?:\[([^\]\s]+)\]|([^:@\s[\]]+))(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`${where}bastion ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  const out: { host: string; port?: number; user?: string } = { host: (m[2] ?? m[3])! };
  if (m[1]) out.user = m[1];
  if (m[4]) {
    const p = Number(m[4]);
    if (p < 1 || p > 65535)
      throw new UsageError(`${where}bastion ${JSON.stringify(spec)}: invalid port ${m[4]}`);
    out.port = p;
  }
  return out;
}

/** The ProxyJump in `ansible_ssh_common_args`-style text (`-J x`, `-o ProxyJump=x`). */
export function proxyJumpFromArgs(args: string | undefined): string | undefined {
  if (!args) return undefined;
  const m =
    /(?:^|\s)-J\s*["']?([^\s"']+)/.exec(args) ?? /ProxyJump(?:\s*=\s*|\s+)["']?([^\s"']+)/i.exec(args);
  return m?.[1];
}

function stringVar(host: string, vars: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = vars[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw new UsageError(`host ${host}: ${key} must be a string, got ${JSON.stringify(v)}`);
}

function numberVar(host: string, vars: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = stringVar(host, vars, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`host ${host}: ${key} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

function portVar(host: string, vars: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const n = numberVar(host, vars, key);
  if (n !== undefined && (!Number.isInteger(n) || n > 65535)) {
    throw new UsageError(`host ${host}: ${key} must be a port number, got ${JSON.stringify(vars[key])}`);
  }
  return n;
}

function boolVar(host: string, vars: Readonly<Record<string, unknown>>, key: string): boolean | undefined {
  const v = vars[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  const s = String(v).toLowerCase();
  if (["true", "yes", "on", "1"].includes(s)) return true;
  if (["false", "no", "off", "0"].includes(s)) return false;
  throw new UsageError(`host ${host}: ${key} must be a boolean, got ${JSON.stringify(v)}`);
}
