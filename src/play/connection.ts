// Where `command`/`shell` run. Only a local implementation exists now; SSH (node-ssh, bastion,
// become) will implement the same interface and be handed out by `PlayServices.connect`.
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import picomatch from "picomatch";

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
  stdin?: string;
  signal: AbortSignal;
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
export class HostUnreachableError extends Error {}

export interface Connection {
  /** "local", later "ssh". */
  readonly kind: string;
  exec(req: ExecRequest): Promise<ExecResult>;
  /** Whether any path matches (globs allowed in the last segment), for creates/removes. */
  pathExists(pattern: string, cwd?: string): Promise<boolean>;
  close?(): Promise<void>;
}

/** Runs on the machine rollcall runs on, with the environment the CLI passed in. */
export class LocalConnection implements Connection {
  readonly kind = "local";
  constructor(
    private readonly baseEnv: Record<string, string | undefined>,
    private readonly defaultCwd: string,
  ) {}

  exec(req: ExecRequest): Promise<ExecResult> {
    const env = { ...this.baseEnv, ...req.env };
    const cwd = req.cwd ?? this.defaultCwd;
    const [file, args] =
      req.script !== undefined
        ? [req.executable ?? "/bin/sh", ["-c", req.script]]
        : [req.argv?.[0] ?? "", req.argv?.slice(1) ?? []];
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
