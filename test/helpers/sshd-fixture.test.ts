// The sshd fixture cleans up after itself: the login user it created (with its home) and leftover
// sudoers rules are removed once no fixture uses them; an account it did not create is kept.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createSshFixture, removeSshFixtureLeftovers, sshdSkipReason, sudoSkipReason } from "./sshd.js";

const exists = (user: string) => spawnSync("getent", ["passwd", user]).status === 0;
/** Above Linux's pid_max limit (2^22): no process has it. */
const DEAD_PID = 2 ** 22 + 7;

describe.skipIf(sshdSkipReason() ?? sudoSkipReason())("sshd fixture leftovers", () => {
  it("removes the user it created and its sudoers rules once nothing uses them", async () => {
    const user = `rollcall-td-${randomBytes(3).toString("hex")}`;
    const fx = await createSshFixture({ user, sudo: true });
    expect(exists(user)).toBe(true);
    const home = spawnSync("getent", ["passwd", user], { encoding: "utf8" }).stdout.split(":")[5]!;
    // A rule left by a process that died without cleaning up.
    const stale = `/etc/sudoers.d/rollcall-ssh-${DEAD_PID}-0badf00d`;
    await writeFile(stale, "# left by a crashed run\n", { mode: 0o440 });
    const whileUsed = await removeSshFixtureLeftovers();
    expect(whileUsed).toContain(stale);
    expect(whileUsed).not.toContain(`user ${user}`);
    expect(exists(user)).toBe(true);
    await fx.cleanup();
    expect(await removeSshFixtureLeftovers()).toContain(`user ${user}`);
    expect(exists(user)).toBe(false);
    expect(existsSync(home)).toBe(false);
    expect(existsSync(stale)).toBe(false);
  });

  it("keeps an account it did not create", async () => {
    const user = `rollcall-own-${randomBytes(3).toString("hex")}`;
    expect(
      spawnSync("useradd", ["--create-home", "--shell", "/bin/sh", "--password", "*", user]).status,
    ).toBe(0);
    try {
      const fx = await createSshFixture({ user });
      await fx.cleanup();
      expect(await removeSshFixtureLeftovers()).not.toContain(`user ${user}`);
      expect(exists(user)).toBe(true);
    } finally {
      spawnSync("userdel", ["--remove", user]);
    }
  });
});
