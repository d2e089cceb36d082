// File operations of the local connection (copy, script). Without `become` they use the file
// system directly; with it, the same shell snippets as the SSH transport run through sudo, so
// the file is read and written by the become user.
import { createHash, randomBytes } from "node:crypto";
import { chmod, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  FILE_STATE_SCRIPT,
  parseFileState,
  SCRIPT_RUNNER,
  WRITE_FILE_SCRIPT,
} from "../../cloud/ssh/scripts.js";
import type { ExecRequest, ExecResult, FileState, LocalConnection, WriteFileResult } from "./connection.js";

const DEFAULT_MODE = 0o644;

export async function localFileState(conn: LocalConnection, path: string): Promise<FileState> {
  const full = conn.resolvePath(path);
  if (conn.become) {
    const res = await checked(conn, `stat ${path}`, ["/bin/sh", "-c", FILE_STATE_SCRIPT, "sh", full]);
    const state = parseFileState(res.stdout);
    if (!state) throw new Error(`stat ${path}: unexpected output: ${res.stdout.trim()}`);
    return state;
  }
  const st = await stat(full).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
    throw err;
  });
  if (!st) return { kind: "absent" };
  if (!st.isFile()) return { kind: "other" };
  return { kind: "file", mode: st.mode & 0o7777, sha256: sha256Of(await readFile(full)) };
}

export async function localWriteFile(
  conn: LocalConnection,
  path: string,
  content: Buffer,
  wantMode: number | undefined,
): Promise<WriteFileResult> {
  const full = conn.resolvePath(path);
  const sha256 = sha256Of(content);
  const before = await localFileState(conn, path);
  if (before.kind === "other") throw new Error(`${path}: the destination exists and is not a regular file`);
  const mode = wantMode ?? (before.kind === "file" ? before.mode : DEFAULT_MODE);
  const same = before.kind === "file" && before.sha256 === sha256;
  if (same && before.mode === mode) return { changed: false, mode, sha256 };
  if (conn.become) {
    await checked(
      conn,
      `write ${path}`,
      ["/bin/sh", "-c", WRITE_FILE_SCRIPT, "sh", full, mode.toString(8)],
      content,
    );
  } else if (same) {
    await chmod(full, mode);
  } else {
    // Temp file in the same directory, then rename: a reader never sees a half-written file.
    const tmp = join(dirname(full), `.${basename(full)}.rollcall-${randomBytes(6).toString("hex")}`);
    try {
      await writeFile(tmp, content, { mode });
      await chmod(tmp, mode); // the umask applied at open
      await rename(tmp, full);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  return { changed: true, mode, sha256 };
}

export function localRunScript(
  conn: LocalConnection,
  script: Buffer,
  args: string[],
  req: Omit<ExecRequest, "argv" | "script" | "stdin">,
): Promise<ExecResult> {
  const { executable, ...rest } = req;
  // Staged by the (become) user who runs it, so it never needs to be readable by anyone else.
  return conn.exec({
    ...rest,
    argv: ["/bin/sh", "-c", SCRIPT_RUNNER, "rollcall-script", executable ?? "", ...args],
    stdin: script,
  });
}

async function checked(conn: LocalConnection, what: string, argv: string[], stdin?: Buffer) {
  const res = await conn.exec({ argv, ...(stdin ? { stdin } : {}), signal: new AbortController().signal });
  if (res.rc !== 0) throw new Error(`${what}: ${res.spawnError ?? (res.stderr.trim() || `rc ${res.rc}`)}`);
  return res;
}

function sha256Of(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
