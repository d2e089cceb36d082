// File operations for the copy/template/script modules. The state of a remote file (mode and
// sha256) comes from one small /bin/sh script, so it works the same with and without become.
// Without become, content goes over SFTP; with become it is piped to `sudo … sh -c 'cat > tmp'`,
// which needs no world-readable temp file for the target user to pick up.
import { createHash, randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";
import { quoteShellArgs } from "./command.js";
import type { BecomeOptions, SshConnection, SshExecRequest, SshExecResult } from "./connection.js";
import { FILE_STATE_SCRIPT, parseFileState, SCRIPT_RUNNER, WRITE_FILE_SCRIPT } from "./scripts.js";

export type RemoteFileState =
  | { kind: "absent" }
  /** A directory, device, …: never overwritten. */
  | { kind: "other" }
  | { kind: "file"; mode: number; sha256: string };

export interface UploadOptions extends BecomeOptions {
  /** Permission bits, e.g. 0o644. Default: keep an existing file's mode, else 0o644. */
  mode?: number;
}

export interface UploadResult {
  changed: boolean;
  /** sha256 of the content now in place (hex). */
  sha256: string;
  mode: number;
  /** The previous content's sha256, when there was a file. */
  previousSha256?: string;
}

export async function remoteFileState(
  conn: SshConnection,
  path: string,
  opts: BecomeOptions,
): Promise<RemoteFileState> {
  const res = await runChecked(
    conn,
    `stat ${path}`,
    ["/bin/sh", "-c", FILE_STATE_SCRIPT, "sh", remotePath(path)],
    opts,
  );
  const state = parseFileState(res.stdout);
  if (state) return state;
  throw conn.failure(
    `stat ${path}`,
    new Error(`unexpected output: ${res.stdout.trim() || res.stderr.trim()}`),
  );
}

export async function readRemoteFile(
  conn: SshConnection,
  path: string,
  opts: BecomeOptions,
): Promise<Buffer | undefined> {
  if (!opts.become) {
    const sftp = await conn.sftp();
    return new Promise((resolve, reject) =>
      sftp.readFile(remotePath(path), (err, data) => {
        if (!err) resolve(data);
        else if (isNoSuchFile(err)) resolve(undefined);
        else reject(conn.failure(`read ${path}`, err));
      }),
    );
  }
  const script = '[ -e "$1" ] || exit 66; exec cat -- "$1"';
  const line = becomeLine(["/bin/sh", "-c", script, "sh", remotePath(path)], opts);
  const raw = await conn.execRaw(line);
  if (raw.rc === 66) return undefined;
  if (raw.rc !== 0)
    throw conn.failure(`read ${path}`, new Error(raw.stderr.toString("utf8") || `rc ${raw.rc}`));
  return raw.stdout;
}

export async function uploadRemoteFile(
  conn: SshConnection,
  path: string,
  content: string | Buffer,
  opts: UploadOptions,
): Promise<UploadResult> {
  const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const sha256 = createHash("sha256").update(data).digest("hex");
  const before = await remoteFileState(conn, path, opts);
  if (before.kind === "other")
    throw conn.failure(`upload ${path}`, new Error("the destination exists and is not a regular file"));
  const mode = opts.mode ?? (before.kind === "file" ? before.mode : 0o644);
  const result: UploadResult = { changed: true, sha256, mode };
  if (before.kind === "file") {
    result.previousSha256 = before.sha256;
    if (before.sha256 === sha256) {
      if (before.mode === mode) return { ...result, changed: false };
      await runChecked(conn, `chmod ${path}`, ["chmod", mode.toString(8), "--", remotePath(path)], opts);
      return result;
    }
  }
  if (opts.become) await writeWithSudo(conn, path, data, mode, opts);
  else await writeWithSftp(conn, path, data, mode);
  return result;
}

// Temp file in the same directory, then rename: a reader never sees a half-written file.
async function writeWithSftp(conn: SshConnection, path: string, data: Buffer, mode: number): Promise<void> {
  const dest = remotePath(path);
  const tmp = posix.join(
    posix.dirname(dest),
    `.${posix.basename(dest)}.rollcall-${randomBytes(6).toString("hex")}`,
  );
  const sftp = await conn.sftp();
  const call = (what: string, fn: (cb: (err?: Error | null) => void) => void) =>
    new Promise<void>((resolve, reject) =>
      fn((err) => (err ? reject(conn.failure(`${what} ${path}`, err)) : resolve())),
    );
  await call("upload", (cb) => sftp.writeFile(tmp, data, { mode }, cb));
  try {
    // The server's umask applies to the mode given at open: set it explicitly.
    await call("chmod", (cb) => sftp.chmod(tmp, mode, cb));
    await renameOver(sftp, tmp, dest, (err) => conn.failure(`rename ${path}`, err));
  } catch (err) {
    await new Promise((r) => sftp.unlink(tmp, r));
    throw err;
  }
}

function renameOver(sftp: SFTPWrapper, from: string, to: string, wrap: (err: Error) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(wrap(err)) : resolve());
    try {
      // posix-rename@openssh.com replaces the destination atomically; plain SFTP rename refuses to.
      sftp.ext_openssh_rename(from, to, done);
    } catch {
      sftp.unlink(to, () => sftp.rename(from, to, done));
    }
  });
}

async function writeWithSudo(
  conn: SshConnection,
  path: string,
  data: Buffer,
  mode: number,
  opts: BecomeOptions,
) {
  const argv = ["/bin/sh", "-c", WRITE_FILE_SCRIPT, "sh", remotePath(path), mode.toString(8)];
  await runChecked(conn, `upload ${path}`, argv, opts, data);
}

export function runRemoteScript(
  conn: SshConnection,
  script: string | Buffer,
  args: readonly string[],
  options: Omit<SshExecRequest, "argv" | "script" | "stdin">,
): Promise<SshExecResult> {
  const { executable, ...rest } = options;
  // The script arrives on stdin and is staged by the (become) user who runs it.
  return conn.exec({
    ...rest,
    argv: ["/bin/sh", "-c", SCRIPT_RUNNER, "rollcall-script", executable ?? "", ...args],
    stdin: script,
  });
}

async function runChecked(
  conn: SshConnection,
  operation: string,
  argv: string[],
  opts: BecomeOptions,
  stdin?: Buffer,
): Promise<SshExecResult> {
  const req: SshExecRequest = { argv, become: opts.become ?? false };
  if (opts.becomeUser) req.becomeUser = opts.becomeUser;
  if (stdin) req.stdin = stdin;
  const res = await conn.exec(req);
  if (res.becomeError) throw conn.failure(operation, new Error(res.becomeError));
  if (res.rc !== 0) throw conn.failure(operation, new Error(res.stderr.trim() || `rc ${res.rc}`));
  return res;
}

function becomeLine(argv: string[], opts: BecomeOptions): string {
  return quoteShellArgs(["sudo", "-n", "-H", "-u", opts.becomeUser ?? "root", "--", ...argv]);
}

/** `~/x` → `x`: SFTP and exec both start in the login user's home, and neither expands `~`. */
export function remotePath(path: string): string {
  if (path === "~") return ".";
  return path.startsWith("~/") ? path.slice(2) || "." : path;
}

function isNoSuchFile(err: unknown): boolean {
  return (err as { code?: unknown }).code === 2;
}
