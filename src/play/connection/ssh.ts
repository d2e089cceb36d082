// `connection: ssh` for the play runner: one SSH pool per run (one connection per host, a bastion
// connected once and shared), and a thin per-task adapter from the runner's Connection interface
// to the transport's SshConnection, with the task's `become` applied to every command and file.
// A host the transport cannot reach (or loses mid-task) becomes HostUnreachableError, which the
// engine reports as UNREACHABLE and which takes the host out of the rest of the run.
import {
  createSshPool,
  isSshUnreachable,
  parseSshSettings,
  resolveSshTarget,
  type SshConnection,
  type SshExecRequest,
  type SshOverrides,
  type SshPool,
  type SshSettings,
} from "../../cloud/ssh/index.js";
import type { ConnectionTarget } from "../modules/types.js";
import {
  type BecomeSpec,
  type Connection,
  type ExecRequest,
  type ExecResult,
  type FileState,
  HostUnreachableError,
  type WriteFileResult,
} from "./connection.js";

export interface SshConnectorOptions {
  /** SSH_AUTH_SOCK (ssh-agent) is read from here; nothing else. */
  env: Readonly<Record<string, string | undefined>>;
  /** `~/` in key paths, ~/.ssh/known_hosts and the default identities. */
  homeDir: string;
  /** `--user`, `--private-key`: beat host vars and the play's `ssh:` block. */
  overrides?: SshOverrides;
  /** When nothing names a user: the local user, as ssh does. */
  defaultUser?: string;
  /** Default: ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  knownHostsFiles?: readonly string[];
  /** Host key checking disabled, … (printed by the CLI as a warning). */
  onWarning?: (message: string) => void;
}

export interface SshConnector {
  connect(target: ConnectionTarget): Promise<Connection>;
  /** Close every connection (the end of the run, or Ctrl-C). */
  close(): Promise<void>;
}

export function createSshConnector(options: SshConnectorOptions): SshConnector {
  let pool: SshPool | undefined;
  let closed = false;
  // Plays share their `ssh:` object across hosts: validate each once.
  const settingsOf = new WeakMap<object, SshSettings>();
  const settings = (raw: Record<string, unknown> | undefined): SshSettings => {
    if (!raw) return {};
    const known = settingsOf.get(raw);
    if (known) return known;
    const parsed = parseSshSettings(raw);
    settingsOf.set(raw, parsed);
    return parsed;
  };
  return {
    async connect(t) {
      if (t.connection !== "ssh") {
        // A local play delegating to another machine: running it here would silently do the
        // work on the wrong machine.
        throw new HostUnreachableError(
          `no connection to ${t.delegateTo ?? t.host}: the play runs tasks locally (set connection: ssh, ` +
            `or ansible_connection: ssh on ${t.delegateTo ?? t.host}, to reach it over SSH)`,
        );
      }
      const resolveInput = {
        name: t.delegateTo ?? t.host,
        vars: t.vars,
        settings: settings(t.ssh),
        ...(options.overrides ? { overrides: options.overrides } : {}),
        ...(options.defaultUser ? { defaultUser: options.defaultUser } : {}),
      };
      const target = resolveSshTarget(resolveInput);
      // After Ctrl-C a straggling task must not open a connection nobody will close.
      if (closed) throw new HostUnreachableError(`not connecting to ${target.name}: the run is over`);
      pool ??= createSshPool({
        env: options.env,
        homeDir: options.homeDir,
        ...(options.knownHostsFiles ? { knownHostsFiles: options.knownHostsFiles } : {}),
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      });
      const conn = await unreachableAsData(pool.get(target));
      return new SshPlayConnection(conn, t.become);
    },
    async close() {
      closed = true;
      await pool?.closeAll();
    },
  };
}

/** One task's view of a pooled connection. Closing it is the pool's business, not the task's. */
export class SshPlayConnection implements Connection {
  readonly kind = "ssh";
  constructor(
    private readonly conn: SshConnection,
    private readonly become?: BecomeSpec,
  ) {}

  async exec(req: ExecRequest): Promise<ExecResult> {
    const res = await unreachableAsData(this.conn.exec(this.request(req)));
    const out: ExecResult = { rc: res.rc, stdout: res.stdout, stderr: res.stderr };
    // sudo refused (a password is required, user unknown): the command never started.
    if (res.becomeError) out.spawnError = `become failed: ${res.becomeError}`;
    else if (res.timedOut || res.aborted) out.spawnError = "terminated";
    return out;
  }

  pathExists(pattern: string, cwd?: string): Promise<boolean> {
    return unreachableAsData(
      this.conn.pathExists(pattern, { ...this.becomeOptions(), ...(cwd ? { cwd } : {}) }),
    );
  }

  fileState(path: string): Promise<FileState> {
    return unreachableAsData(this.conn.fileState(path, this.becomeOptions()));
  }

  async writeFile(path: string, content: Buffer, mode?: number): Promise<WriteFileResult> {
    const opts = { ...this.becomeOptions(), ...(mode === undefined ? {} : { mode }) };
    const r = await unreachableAsData(this.conn.upload(path, content, opts));
    return { changed: r.changed, mode: r.mode, sha256: r.sha256 };
  }

  async runScript(
    script: Buffer,
    args: string[],
    req: Omit<ExecRequest, "argv" | "script" | "stdin">,
  ): Promise<ExecResult> {
    const { argv: _a, script: _s, stdin: _i, ...rest } = this.request(req);
    const res = await unreachableAsData(this.conn.runScript(script, args, rest));
    const out: ExecResult = { rc: res.rc, stdout: res.stdout, stderr: res.stderr };
    if (res.becomeError) out.spawnError = `become failed: ${res.becomeError}`;
    else if (res.timedOut || res.aborted) out.spawnError = "terminated";
    return out;
  }

  private becomeOptions() {
    return this.become ? { become: true, becomeUser: this.become.user } : {};
  }

  private request(req: ExecRequest): SshExecRequest {
    const out: SshExecRequest = { signal: req.signal, ...this.becomeOptions() };
    if (req.argv !== undefined) out.argv = req.argv;
    if (req.script !== undefined) out.script = req.script;
    if (req.executable !== undefined) out.executable = req.executable;
    if (req.cwd !== undefined) out.cwd = req.cwd;
    if (req.env !== undefined) out.env = req.env;
    if (req.stdin !== undefined) out.stdin = req.stdin;
    return out;
  }
}

/** The transport's unreachable error, as the one the engine reports as UNREACHABLE. */
async function unreachableAsData<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isSshUnreachable(err)) {
      const { reason, hop } = err.unreachable;
      throw new HostUnreachableError(err.message, { reason, hop });
    }
    throw err;
  }
}
