// One live SSH connection to one host, created by the pool and reused for all its tasks.
// Commands go through ssh2's exec directly (node-ssh's execCommand trims output, decodes it as
// text and cannot stop a command); node-ssh provides connect, SFTP and forwarding.
import { constants } from "node:os";
import type { NodeSSH } from "node-ssh";
import type { Channel, ClientChannel, SFTPWrapper } from "ssh2";
import { RemoteError } from "../../errors.js";
import { buildRemoteCommand, quoteGlob, type RemoteCommandSpec } from "./command.js";
import { classifySshError, SshUnreachableError, scrub } from "./errors.js";
import {
  type RemoteFileState,
  readRemoteFile,
  remoteFileState,
  runRemoteScript,
  type UploadOptions,
  type UploadResult,
  uploadRemoteFile,
} from "./files.js";
import type { SshTarget } from "./target.js";

export interface SshExecRequest extends RemoteCommandSpec {
  stdin?: string | Buffer;
  /** Stop the command (SIGKILL, then close the channel) after this long: the result has `timedOut`. */
  timeoutMs?: number;
  /** Stop the command the same way when aborted: the result has `aborted`. */
  signal?: AbortSignal;
}

export interface SshExecResult {
  /** The exit status; -N when killed by signal N (like Python's subprocess); -1 without status. */
  rc: number;
  /** Raw output, not trimmed (Ansible strips one trailing newline; that is the module's call). */
  stdout: string;
  stderr: string;
  /** The signal name ("SIGKILL") when the remote process was killed by one. */
  signal?: string;
  timedOut?: boolean;
  aborted?: boolean;
  /** With `become`: sudo refused to run the command (e.g. "sudo: a password is required"). */
  becomeError?: string;
}

/** Raw bytes, for file transfers through exec. */
export interface SshRawResult {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
  signal?: string;
  timedOut?: boolean;
  aborted?: boolean;
}

export interface BecomeOptions {
  become?: boolean;
  becomeUser?: string;
}

export class SshConnection {
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly ssh: NodeSSH,
    readonly target: SshTarget,
  ) {
    const client = ssh.connection!;
    // node-ssh drops its error listener once connected; without ours, a late socket error would
    // be an uncaught 'error' event. The loss itself is seen through 'close'.
    client.on("error", () => {});
    this.closedPromise = new Promise((resolve) =>
      client.once("close", () => {
        this.closed = true;
        this.sftpSession = undefined;
        resolve();
      }),
    );
  }

  get isOpen(): boolean {
    return !this.closed && this.ssh.isConnected();
  }

  /** Run a command. A non-zero rc is a result; only a lost connection throws (unreachable). */
  async exec(req: SshExecRequest): Promise<SshExecResult> {
    const command = buildRemoteCommand(req);
    const raw = await this.execRaw(command.line, req);
    const result: SshExecResult = {
      rc: raw.rc,
      stdout: raw.stdout.toString("utf8"),
      stderr: raw.stderr.toString("utf8"),
    };
    if (raw.signal) result.signal = raw.signal;
    if (raw.timedOut) result.timedOut = true;
    if (raw.aborted) result.aborted = true;
    if (command.becomeMarker) {
      const marker = `${command.becomeMarker}\n`;
      if (result.stdout.startsWith(marker)) result.stdout = result.stdout.slice(marker.length);
      else if (result.rc !== 0 && !raw.timedOut && !raw.aborted) {
        result.becomeError = scrub(result.stderr) || `sudo failed with rc ${result.rc}`;
      }
    }
    return result;
  }

  /** Send an exact command line; the building blocks above and in ssh-files use this. */
  execRaw(line: string, options: Omit<SshExecRequest, keyof RemoteCommandSpec> = {}): Promise<SshRawResult> {
    const client = this.ssh.connection;
    if (!client || this.closed) return Promise.reject(this.lost("exec", undefined));
    return new Promise<SshRawResult>((resolve, reject) => {
      const onOpen = (err: Error | undefined, channel: ClientChannel) => {
        if (err) return reject(this.failure("exec", err));
        collect(channel, options, (res) => (res ? resolve(res) : reject(this.lost("exec", undefined))));
      };
      try {
        client.exec(line, onOpen);
      } catch (err) {
        reject(this.lost("exec", err));
      }
    });
  }

  /** The connection's SFTP session, opened once. */
  sftp(): Promise<SFTPWrapper> {
    if (this.closed) return Promise.reject(this.lost("sftp", undefined));
    this.sftpSession ??= this.ssh.requestSFTP().catch((err: unknown) => {
      this.sftpSession = undefined;
      throw this.failure("open sftp", err);
    });
    return this.sftpSession;
  }

  /** Whether a path exists; globs (`*`, `?`, `[…]`) are allowed, for creates/removes. */
  async pathExists(pattern: string, options: BecomeOptions & { cwd?: string } = {}): Promise<boolean> {
    const script = `for f in ${quoteGlob(pattern)}; do [ -e "$f" ] || [ -L "$f" ] && exit 0; done; exit 1`;
    const res = await this.exec({ ...options, argv: ["/bin/sh", "-c", script] });
    if (res.becomeError) throw this.failure(`test ${pattern}`, new Error(res.becomeError));
    return res.rc === 0;
  }

  fileState(path: string, options: BecomeOptions = {}): Promise<RemoteFileState> {
    return remoteFileState(this, path, options);
  }

  /** A remote file's content; undefined when it does not exist. */
  readFile(path: string, options: BecomeOptions = {}): Promise<Buffer | undefined> {
    return readRemoteFile(this, path, options);
  }

  /** Write content if it differs (sha256), atomically (temp file + rename); chmod if needed. */
  upload(path: string, content: string | Buffer, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadRemoteFile(this, path, content, options);
  }

  /** Copy a script to a private temp dir on the host, run it with these arguments, remove it. */
  runScript(
    script: string | Buffer,
    args: readonly string[] = [],
    options: Omit<SshExecRequest, "argv" | "script" | "stdin"> = {},
  ): Promise<SshExecResult> {
    return runRemoteScript(this, script, args, options);
  }

  /** Open a TCP channel from this host to host:port (how a bastion reaches a target). */
  async forwardOut(host: string, port: number): Promise<Channel> {
    if (!this.isOpen) throw this.lost("forward", undefined);
    return this.ssh.forwardOut("127.0.0.1", 0, host, port);
  }

  async close(): Promise<void> {
    if (!this.closed) this.ssh.dispose();
    await Promise.race([this.closedPromise, new Promise((r) => setTimeout(r, 1000).unref())]);
  }

  /**
   * A failed remote operation: a task failure (RemoteError), or, when the failure was the
   * connection going away, the host being unreachable.
   */
  failure(operation: string, err: unknown): RemoteError | SshUnreachableError {
    if (!this.isOpen) return this.lost(operation, err);
    const { name, host, port } = this.target;
    const message = err instanceof Error ? err.message : String(err);
    return new RemoteError({
      service: "ssh",
      operation: `${operation} on ${name} (${host}:${port})`,
      apiMessage: scrub(message),
    });
  }

  /** The connection went away under us: the host is unreachable. */
  lost(operation: string, err: unknown): SshUnreachableError {
    const { name, user, host, port } = this.target;
    const detail = err === undefined ? "connection closed" : classifySshError(err).detail;
    return new SshUnreachableError({
      reason: "closed",
      host: name,
      hop: "target",
      message: `lost the SSH connection to ${user}@${host}:${port} during ${operation}: ${detail}`,
    });
  }
}

function collect(
  channel: ClientChannel,
  options: Omit<SshExecRequest, keyof RemoteCommandSpec>,
  done: (result: SshRawResult | undefined) => void,
): void {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let code: number | undefined;
  let signal: string | undefined;
  let stopped: "timedOut" | "aborted" | undefined;
  channel.on("data", (b: Buffer) => stdout.push(b));
  channel.stderr.on("data", (b: Buffer) => stderr.push(b));
  channel.on("exit", (c: number | null, s?: string) => {
    if (typeof c === "number") code = c;
    // ssh2 reports "SIGKILL"; the protocol's own name is "KILL".
    if (s) signal = s.startsWith("SIG") ? s : `SIG${s}`;
  });
  const stop = (why: "timedOut" | "aborted") => {
    if (stopped) return;
    stopped = why;
    sendSignal(channel, "KILL");
    channel.close();
    // A server that never answers our close must not hang the task.
    setTimeout(finish, 2000).unref();
  };
  const timer =
    options.timeoutMs !== undefined ? setTimeout(() => stop("timedOut"), options.timeoutMs) : undefined;
  const onAbort = () => stop("aborted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  let finished = false;
  function finish() {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    if (code === undefined && signal === undefined && !stopped) return done(undefined);
    const result: SshRawResult = {
      rc: code ?? (signal ? -(constants.signals[signal as keyof typeof constants.signals] ?? 1) : -1),
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr),
    };
    if (signal) result.signal = signal;
    if (stopped) result[stopped] = true;
    done(result);
  }
  channel.on("close", finish);
  // Always send EOF, or a command reading stdin (cat) would wait forever.
  channel.end(options.stdin ?? undefined);
}

/**
 * Send an RFC 4254 "signal" request (sshd kills the command's process group). ssh2's own
 * channel.signal() silently does nothing once stdin has been closed, and we always close stdin,
 * so this goes to the protocol object directly.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const c = channel as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, signal: string) => void } };
  };
  const id = c.outgoing?.id;
  const state = c.outgoing?.state;
  if ((state !== "open" && state !== "eof") || typeof id !== "number") return;
  try {
    c._client?._protocol?.signal?.(id, name);
  } catch {}
}
