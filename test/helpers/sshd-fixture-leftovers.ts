// What the sshd fixture leaves on the machine beyond one fixture's life: the login user it
// created (with its home) and, after a crash, sudoers rules. The suite's global teardown (and the
// SSH benchmark, at its end) calls removeSshFixtureLeftovers().
//
// Several suites may run at once on one machine (parallel worktrees, CI jobs), all using the same
// system user, so nothing is removed while someone else may need it. Bookkeeping lives in
// /run/rollcall-sshd-fixture (root's tmpfs; the fixture needs root anyway):
//   created-<user>            the fixture ran useradd for <user> (an account it did not create
//                             — a CI image's, an admin's — is never removed)
//   use-<user>-<pid>-<id>     a live fixture of process <pid> uses <user>; removed by its cleanup
// Sudoers rules are named rollcall-ssh-<pid>-<id>: one whose process is gone is a leftover.
import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const FIXTURE_STATE_DIR = "/run/rollcall-sshd-fixture";
export const SUDOERS_DIR = "/etc/sudoers.d";
/** sudo ignores sudoers.d names with a dot, so the pid and id are joined with dashes. */
export const SUDOERS_PREFIX = "rollcall-ssh-";

export async function markUserCreated(user: string): Promise<void> {
  await mkdir(FIXTURE_STATE_DIR, { recursive: true, mode: 0o700 });
  await writeFile(join(FIXTURE_STATE_DIR, `created-${user}`), `${process.pid}\n`);
}

/** Register a fixture's use of `user`; the returned function ends it (the fixture's cleanup). */
export async function registerUse(user: string, id: string): Promise<() => Promise<void>> {
  await mkdir(FIXTURE_STATE_DIR, { recursive: true, mode: 0o700 });
  const file = join(FIXTURE_STATE_DIR, `use-${user}-${process.pid}-${id}`);
  await writeFile(file, "");
  return () => rm(file, { force: true });
}

export function sudoersRuleName(id: string): string {
  return `${SUDOERS_PREFIX}${process.pid}-${id}`;
}

/** Remove what fixtures created and nobody uses any more; returns what was removed. */
export async function removeSshFixtureLeftovers(): Promise<string[]> {
  if (process.getuid?.() !== 0) return [];
  const removed: string[] = [];
  for (const name of await readdir(SUDOERS_DIR).catch(() => [] as string[])) {
    const m = new RegExp(`^\\.?${SUDOERS_PREFIX}(\\d+)-`).exec(name);
    if (m && !alive(Number(m[1]))) {
      await rm(join(SUDOERS_DIR, name), { force: true });
      removed.push(join(SUDOERS_DIR, name));
    }
  }
  const entries = await readdir(FIXTURE_STATE_DIR).catch(() => [] as string[]);
  const inUse = new Set<string>();
  for (const name of entries) {
    const m = /^use-(.+)-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m) continue;
    if (alive(Number(m[2]))) inUse.add(m[1]!);
    else await rm(join(FIXTURE_STATE_DIR, name), { force: true });
  }
  for (const name of entries.filter((n) => n.startsWith("created-"))) {
    const user = name.slice("created-".length);
    if (inUse.has(user) || (await sshdAllowing(user))) continue;
    // No -f: userdel refuses while a process runs as the user, which is one more "in use" check.
    const r = spawnSync("userdel", ["--remove", user], { encoding: "utf8" });
    const gone = spawnSync("getent", ["passwd", user]).status !== 0;
    if (r.status === 0 || gone) {
      await rm(join(FIXTURE_STATE_DIR, name), { force: true });
      removed.push(`user ${user}`);
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A fixture sshd still running for `user` (a suite that does not register its use, e.g. an older
 * checkout): its config, given with -f, has `AllowUsers <user>`.
 */
async function sshdAllowing(user: string): Promise<boolean> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    const config = argv[argv.indexOf("-f") + 1];
    if (!argv[0]?.endsWith("sshd") || !argv.includes("-f") || !config?.includes("rollcall-sshd-")) continue;
    const text = await readFile(config, "utf8").catch(() => "");
    if (text.split("\n").includes(`AllowUsers ${user}`)) return true;
  }
  return false;
}
