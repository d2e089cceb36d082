// Files are checked before they are trusted, as OpenSSH checks ~/.ssh: the state directory (and
// every directory above it) must not let anyone else swap or plant files in it, and files in it
// are opened without following symbolic links. A journal decides what a resumed recycle does
// and its key hides which runs exist, so a file someone else could have written is refused,
// with one line saying how to fix it. See docs/security.md ("File trust").
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { chmod, type FileHandle, link, mkdir, open, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { getuid } from "node:process";
import { SetupError } from "../../errors.js";

/** A file or directory rollcall will not trust: what the run needs is not there (exit 1). */
export class UntrustedPathError extends SetupError {}

const S_ISVTX = 0o1000;
const myUid = () => getuid?.() ?? -1;

/**
 * Create `dir` (0700) if it is missing, then check it is ours and writable by nobody else, and
 * that no directory above it lets someone else replace it. Read bits for others are removed
 * (journals name hosts); write bits are refused, not fixed: someone may already have used them.
 */
export async function ensurePrivateDir(dir: string, what = "state directory"): Promise<void> {
  const full = resolve(dir);
  await mkdir(full, { recursive: true, mode: 0o700 });
  const st = await stat(full);
  if (!st.isDirectory()) throw new UntrustedPathError(`${what} ${full} is not a directory`);
  checkOwner(full, st, what);
  if ((st.mode & 0o022) !== 0) {
    throw new UntrustedPathError(
      `${what} ${full} is writable by others (mode ${mode(st)}): refusing to trust it; check what is in it, then run: chmod 700 ${shellWord(full)}`,
    );
  }
  if ((st.mode & 0o077) !== 0) await chmod(full, 0o700);
  await checkAncestors(full, what);
}

/** Every directory above: owned by root or us, and not writable by others unless sticky (/tmp). */
async function checkAncestors(full: string, what: string): Promise<void> {
  for (let dir = dirname(full); ; dir = dirname(dir)) {
    const st = await stat(dir);
    if (st.uid !== 0 && st.uid !== myUid()) {
      throw new UntrustedPathError(
        `${dir}, above the ${what} ${full}, is owned by uid ${st.uid}, not by you or root: refusing to trust it; set XDG_STATE_HOME to a directory of your own`,
      );
    }
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) {
      throw new UntrustedPathError(
        `${dir}, above the ${what} ${full}, is writable by others (mode ${mode(st)}): refusing to trust it; run: chmod go-w ${shellWord(dir)} (or chmod +t for a shared directory)`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

function checkOwner(path: string, st: Stats, what: string): void {
  if (st.uid !== myUid()) {
    throw new UntrustedPathError(
      `${what} ${path} is owned by uid ${st.uid}, not by you (uid ${myUid()}): refusing to trust it; use a directory of your own (XDG_STATE_HOME) or chown it`,
    );
  }
}

/**
 * Open a file in a private directory without following a symbolic link at its name, and check
 * what was opened: a regular file of ours that nobody else can write (or, with `secret`, read).
 */
export async function openPrivateFile(
  path: string,
  flags: number,
  options: { secret?: boolean; create?: boolean } = {},
): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") {
      throw new UntrustedPathError(
        `${path} is a symbolic link: refusing to follow it; remove it (rm ${shellWord(path)}) if you did not put it there`,
      );
    }
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UntrustedPathError(`${path} is not a regular file: refusing to use it`);
    checkOwner(path, st, "file");
    const open = options.secret ? 0o077 : 0o022;
    if ((st.mode & open) !== 0) {
      throw new UntrustedPathError(
        `${path} is ${options.secret ? "accessible" : "writable"} by others (mode ${mode(st)}): refusing to trust it; run: chmod 600 ${shellWord(path)}`,
      );
    }
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** A private file's text, or undefined when it does not exist. */
export async function readPrivateFile(path: string, options: { secret?: boolean } = {}) {
  let fh: FileHandle;
  try {
    fh = await openPrivateFile(path, constants.O_RDONLY, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * Write `data` as `path` unless it exists: a 0600 temp file next to it, synced, then linked into
 * place. link(2) never follows or replaces what is at `path`, so a planted file or symlink is
 * left alone (and then refused by the read), and two writers racing agree on the first one.
 * Resolves false when `path` already existed.
 */
export async function createPrivateFile(path: string, data: Buffer): Promise<boolean> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await fh.write(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

function mode(st: Stats): string {
  return `0${(st.mode & 0o7777).toString(8)}`;
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
