// May we use this cache directory? Like OpenSSH with ~/.ssh: it must be a directory owned by the
// user running rollcall and not writable by group or others; otherwise anyone who can write there
// can edit an address in the inventory Ansible is about to connect to. For a cache the answer to
// "no" is a miss (the inventory comes from the API) plus a -v note saying how to fix it — never a
// failure, a hang or a crash, whatever the path is (missing parent, /proc, read-only, a file).
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export type DirCheck = { ok: true } | { ok: false; problem: string };

/** Check an existing directory without creating anything (the lean path). */
export function checkCacheDir(dir: string, uid: number | undefined): DirCheck {
  let stat: ReturnType<typeof statSync>;
  try {
    // stat, not lstat: ~/.cache may legitimately be a symlink; what we check is where it leads.
    stat = statSync(dir);
  } catch (error) {
    return { ok: false, problem: unusable(dir, error) };
  }
  if (!stat.isDirectory()) {
    return {
      ok: false,
      problem: `cache: not using ${dir}: not a directory; remove it or set XDG_CACHE_HOME`,
    };
  }
  if (uid !== undefined && stat.uid !== uid) {
    return {
      ok: false,
      problem: `cache: not using ${dir}: owned by uid ${stat.uid}, not by you (uid ${uid}); remove it, or set XDG_CACHE_HOME to a directory you own`,
    };
  }
  if ((stat.mode & 0o022) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    return {
      ok: false,
      problem: `cache: not using ${dir}: writable by group or others (mode ${mode}); fix with: chmod 700 ${dir}`,
    };
  }
  return { ok: true };
}

/** Create the directory (0700, parents too) if needed, then check it. */
export function ensureCacheDir(dir: string, uid: number | undefined): DirCheck {
  try {
    makeDirs(resolve(dir));
  } catch (error) {
    return { ok: false, problem: unusable(dir, error) };
  }
  return checkCacheDir(dir, uid);
}

/**
 * `mkdir -p`, one level at a time. Not mkdirSync's `recursive`: under /proc it loops forever
 * (mkdir answers ENOENT for a parent that exists, and Node retries the parent).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(d);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(d) === d) throw error;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

function unusable(dir: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const why =
    code === "ENOENT"
      ? "it does not exist and cannot be created"
      : code === "ENOTDIR"
        ? "a parent is not a directory"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : code === "EROFS"
            ? "read-only file system"
            : (code ?? "unusable");
  return `cache: not using ${dir}: ${why}; set XDG_CACHE_HOME to a writable directory you own, or cache.enabled: false`;
}
