// Where `command`/`shell`/`script`/`copy` run: locally (LocalConnection, here) or over SSH
// (ssh-connection.ts, handed out by `PlayServices.connect`). `become` is part of the connection,
// as in Ansible: a module asks for a command or a file and never sees sudo.
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import picomatch from "picomatch";
import { localFileState, localRunScript, localWriteFile } from "./local.js";

export interface ExecRequest {
  /** Run this program with these arguments, no shell (command). */
  argv?: string[];
  /** Run this text with a shell (shell). */
  script?: string;
  /** The shell for `script`, default /bin/sh. */
  executable?: string;
  cwd?: string;
  /** Variables added to the connection's base environment. */
  env?: Record<string, string>;
  stdin?: string | Buffer;
  signal: AbortSignal;
}

/** Run as another user through `sudo -n` (never prompts: a password requirement fails). */
export interface BecomeSpec {
  user: string;
}

export type FileState =
  | { kind: "absent" }
  /** A directory, device, …: never overwritten. */
  | { kind: "other" }
  | { kind: "file"; mode: number; sha256: string };

export interface WriteFileResult {
  changed: boolean;
  /** The permission bits now in place. */
  mode: number;
  sha256: string;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (rc is then 2, like Ansible). */
  spawnError?: string;
}

/**
 * The host cannot be reached (SSH refused, no route, no connection support). Thrown by
 * connections or modules; the engine turns it into an `unreachable` result.
 */
export class HostUnreachableError extends Error {
  constructor(
    message: string,
    /** The transport's reason and failed hop, kept on the host's outcome (SSH). */
    readonly detail?: { reason: string; hop: "target" | "bastion" },
  ) {
    super(message);
  }
}

export interface Connection {
  /** "local" or "ssh". */
  readonly kind: string;
  exec(req: ExecRequest): Promise<ExecResult>;
  /** Whether any path matches (globs allowed in the last segment), for creates/removes. */
  pathExists(pattern: string, cwd?: string): Promise<boolean>;
  close?(): Promise<void>;
  /** A file's state where the commands run (copy); relative paths as the connection sees them. */
  fileState?(path: string): Promise<FileState>;
  /** Write content unless the file already has it and `mode` (temp file + rename). */
  writeFile?(path: string, content: Buffer, mode?: number): Promise<WriteFileResult>;
  /** Stage a local script's content there and run it with these arguments (script). */
  runScript?(
    script: Buffer,
    args: string[],
    req: Omit<ExecRequest, "argv" | "script" | "stdin">,
  ): Promise<ExecResult>;
}

/**
 * rollcall's own secrets, which a local child never inherits: a command a play runs is not
 * trusted with the cloud credentials rollcall holds. A task that needs one passes it by name
 * (`environment:` or the module's `env:`), which is then its author's explicit choice.
 */
export function isRollcallSecret(name: string): boolean {
  return (
    /^SPOTINST_.*TOKEN/i.test(name) ||
    ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"].includes(name.toUpperCase())
  );
}

/** Runs on the machine rollcall runs on, with the environment the CLI passed in, minus its secrets. */
export class LocalConnection implements Connection {
  readonly kind = "local";
  private readonly baseEnv: Record<string, string | undefined>;
  constructor(
    env: Record<string, string | undefined>,
    private readonly defaultCwd: string,
    readonly become?: BecomeSpec,
  ) {
    this.baseEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !isRollcallSecret(name)));
  }

  exec(req: ExecRequest): Promise<ExecResult> {
    const env = { ...this.baseEnv, ...req.env };
    const cwd = req.cwd ?? this.defaultCwd;
    let [file, args] =
      req.script !== undefined
        ? [req.executable ?? "/bin/sh", ["-c", req.script]]
        : [req.argv?.[0] ?? "", req.argv?.slice(1) ?? []];
    if (this.become) {
      // sudo resets the environment: the task's variables go through env(1).
      const vars = Object.entries(req.env ?? {}).map(([k, v]) => `${k}=${v}`);
      args = [
        "-n",
        "-H",
        "-u",
        this.become.user,
        "--",
        ...(vars.length ? ["env", ...vars] : []),
        file,
        ...args,
      ];
      file = "sudo";
    }
    return new Promise((done) => {
      const child = spawn(file, args, { cwd, env, signal: req.signal, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.stdin.on("error", () => {});
      child.stdin.end(req.stdin ?? "");
      let settled = false;
      child.on("error", (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        const spawnError =
          e.code === "ENOENT"
            ? `[Errno 2] No such file or directory: '${file}'`
            : e.name === "AbortError"
              ? "terminated"
              : e.message;
        done({ rc: e.code === "ENOENT" ? 2 : -1, stdout: "", stderr: "", spawnError });
      });
      child.on("close", (code, sig) => {
        if (settled) return;
        settled = true;
        done({
          // A signal death is reported like Python's subprocess: -SIGNUM.
          rc: code ?? (sig ? -signalNumber(sig) : -1),
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        });
      });
    });
  }

  fileState(path: string): Promise<FileState> {
    return localFileState(this, path);
  }

  writeFile(path: string, content: Buffer, mode?: number): Promise<WriteFileResult> {
    return localWriteFile(this, path, content, mode);
  }

  runScript(script: Buffer, args: string[], req: Omit<ExecRequest, "argv" | "script" | "stdin">) {
    return localRunScript(this, script, args, req);
  }

  /** An absolute path: `~/` is the environment's HOME, relative paths start at the cwd. */
  resolvePath(path: string, cwd?: string): string {
    const home = this.baseEnv.HOME;
    const expanded = home && (path === "~" || path.startsWith("~/")) ? home + path.slice(1) : path;
    return resolve(cwd ?? this.defaultCwd, expanded);
  }

  async pathExists(pattern: string, cwd?: string): Promise<boolean> {
    const full = isAbsolute(pattern) ? pattern : resolve(cwd ?? this.defaultCwd, pattern);
    if (!picomatch.scan(basename(full)).isGlob) {
      return stat(full).then(
        () => true,
        () => false,
      );
    }
    const isMatch = picomatch(basename(full), { dot: false });
    const names = await readdir(dirname(full)).catch(() => [] as string[]);
    return names.some((n) => isMatch(n));
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 1;
}
