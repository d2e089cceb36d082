// Unreachable hosts in a play over SSH: a closed port, a key the server does not accept, and a
// host key that does not match known_hosts are each UNREACHABLE with the reason, counted in the
// recap's unreachable column, given no further tasks or plays, and make the exit code 4; a
// command that runs and fails is a FAILED host (exit 2) instead.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSshFixture,
  freeLoopbackPort,
  type Sshd,
  type SshFixture,
  sshdSkipReason,
} from "../../helpers/sshd.js";
import { tempDir } from "../support.js";
import { privateKeyLines, readTree, runPlay, writeHomeKnownHosts, writeInventory } from "./support.js";

describe.skipIf(sshdSkipReason())("unreachable hosts over SSH", () => {
  let fx: SshFixture;
  let sshd: Sshd;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let closedPort: number;
  const outputs: string[] = [];
  const MISMATCH = "127.0.0.86";

  beforeAll(async () => {
    fx = await createSshFixture();
    sshd = await fx.startSshd({ addresses: ["127.0.0.85", MISMATCH] });
    work = await tempDir();
    closedPort = await freeLoopbackPort(sshd.host);
    const wrongKey = await fx.generateKey("wrong-key");
    const otherHostKey = await readFile(`${await fx.generateKey("other-host")}.pub`, "utf8");
    const [type, base64] = otherHostKey.trim().split(/\s+/);
    await writeHomeKnownHosts(work.dir, [
      `[${sshd.host}]:${sshd.port} ${sshd.hostKey.type} ${sshd.hostKey.base64}`,
      // Another machine's key recorded for this address: a host key mismatch.
      `[${MISMATCH}]:${sshd.port} ${type} ${base64}`,
    ]);
    const base = {
      ansible_host: sshd.host,
      ansible_port: sshd.port,
      ansible_user: fx.user,
      ansible_ssh_private_key_file: fx.keyPath,
    };
    await writeInventory(
      work.dir,
      {
        good: base,
        closed: { ...base, ansible_port: closedPort },
        wrongkey: { ...base, ansible_ssh_private_key_file: wrongKey },
        mismatch: { ...base, ansible_host: MISMATCH },
      },
      { web: ["good", "closed", "wrongkey", "mismatch"] },
    );
  });

  afterAll(async () => {
    await fx?.cleanup();
    await work?.cleanup();
  });

  const playbook = (hosts: string, extra = "") => `- name: first play
  hosts: ${hosts}
  connection: ssh
  ssh: { connect_timeout: 5${extra} }
  tasks:
    - name: first
      command: "true"
    - name: second
      command: echo again
- name: second play
  hosts: ${hosts}
  connection: ssh
  ssh: { connect_timeout: 5${extra} }
  tasks:
    - name: third
      command: "true"
`;

  it("reports each unreachable host with its reason, drops it, counts it, exits 4", async () => {
    const r = await runPlay(work.dir, playbook("web"), ["-i", "inv.yml"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(4);
    const lines = r.stdout.split("\n");
    const fatal = (host: string) => lines.find((l) => l.startsWith(`fatal: [${host}]: UNREACHABLE! => `));
    expect(fatal("closed")).toBe(
      `fatal: [closed]: UNREACHABLE! => {"changed": false, "msg": "cannot connect to ${fx.user}@${sshd.host}:${closedPort}: connection refused", "unreachable": true}`,
    );
    expect(fatal("wrongkey")).toMatch(
      /"msg": "[^"]*authentication failed \(publickey; tried key [^"]*wrong-key\)/,
    );
    expect(fatal("mismatch")).toMatch(
      new RegExp(
        `"msg": "[^"]*host key for \\[${MISMATCH.replace(/\./g, "\\.")}\\]:${sshd.port} does not match known_hosts \\(`,
      ),
    );
    expect(fatal("mismatch")).toMatch(/fingerprint SHA256:/);
    // After the first task only the good host is left, in this play and the next.
    const after = lines.slice(lines.findIndex((l) => l.startsWith("TASK [second]")));
    expect(after.filter((l) => /^(ok|changed|fatal|skipping):/.test(l))).toEqual([
      "changed: [good]",
      "changed: [good]",
    ]);
    const recap = lines.slice(lines.findIndex((l) => l.startsWith("PLAY RECAP")) + 1).filter(Boolean);
    expect(recap).toEqual([
      "closed                     : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   ",
      "good                       : ok=3    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ",
      "mismatch                   : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   ",
      "wrongkey                   : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   ",
    ]);
  });

  it.each(["closed", "wrongkey", "mismatch"])("%s alone: unreachable, exit 4", async (host) => {
    const r = await runPlay(work.dir, playbook(host), ["-i", "inv.yml", "--json"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(4);
    expect(r.results.map((e) => `${e.task.name}=${e.status}`)).toEqual(["first=unreachable"]);
    expect(r.results[0]!.result).toMatchObject({
      unreachable: true,
      changed: false,
      msg: expect.any(String),
    });
  });

  it("keeps the reason and the failed hop on the host's outcome (host_done), target or bastion", async () => {
    const direct = await runPlay(work.dir, playbook("closed"), ["-i", "inv.yml", "--json"]);
    const viaBastion = await runPlay(
      work.dir,
      playbook("good", `, bastion: "${fx.user}@${sshd.host}:${closedPort}"`),
      ["-i", "inv.yml", "--json"],
    );
    outputs.push(direct.stdout, direct.stderr, viaBastion.stdout, viaBastion.stderr);
    const doneOf = (r: typeof direct, host: string) =>
      r.events.find((e) => e.type === "host_done" && e.host === host);
    expect(doneOf(direct, "closed")).toMatchObject({
      outcome: "unreachable",
      unreachable: {
        reason: "refused",
        hop: "target",
        message: expect.stringContaining("connection refused"),
      },
    });
    expect(viaBastion.code).toBe(4);
    expect(doneOf(viaBastion, "good")).toMatchObject({
      outcome: "unreachable",
      unreachable: { reason: "refused", hop: "bastion" },
    });
    // Data for rollcall, not part of Ansible's result: never in the shown or registered result.
    for (const e of [...direct.results, ...viaBastion.results])
      expect(e.result).not.toHaveProperty("_rollcall_unreachable");
  });

  it("a command that fails is FAILED (exit 2), not unreachable", async () => {
    const pb = `- hosts: good\n  connection: ssh\n  tasks:\n    - command: sh -c "exit 3"\n`;
    const r = await runPlay(work.dir, pb, ["-i", "inv.yml"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^fatal: \[good\]: FAILED! => \{.*"rc": 3/m);
    expect(r.stdout).toMatch(/good +: ok=0 +changed=0 +unreachable=0 +failed=1 /);
  });

  it("host_key_checking: false connects to the mismatched host, with one warning", async () => {
    const r = await runPlay(work.dir, playbook("mismatch", ", host_key_checking: false"), ["-i", "inv.yml"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => l.includes("host key checking"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^\[WARNING\]: SSH host key checking is disabled \(ssh\.host_key_checking: false\)/,
    );
  });

  it("never prints key material, nor stores it in the state dir", async () => {
    const r = await runPlay(work.dir, playbook("web"), ["-i", "inv.yml", "--json", "-vvv"]);
    outputs.push(r.stdout, r.stderr, await readTree(join(work.dir, "state")));
    const everything = outputs.join("\n");
    expect(everything).not.toMatch(/PRIVATE KEY/);
    const lines = await privateKeyLines(fx);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(everything).not.toContain(line);
  });
});
