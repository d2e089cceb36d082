// `connection: ssh` end to end: a play reaches its host through a bastion (one login to the
// bastion, one connection to the host for all its tasks, closed at the end) and runs command,
// shell, script and copy there; become through sudo; delegate_to: localhost stays local.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  countAccepted,
  createSshFixture,
  isDescendant,
  type Sshd,
  type SshFixture,
  sshdSkipReason,
  sudoSkipReason,
  tcpSocketOwner,
} from "../../helpers/sshd.js";
import { tempDir } from "../support.js";
import {
  privateKeyLines,
  readTree,
  resultOf,
  runPlay,
  writeHomeKnownHosts,
  writeInventory,
} from "./support.js";

describe.skipIf(sshdSkipReason())("plays over SSH through a bastion", () => {
  let fx: SshFixture;
  let bastion: Sshd;
  let target: Sshd;
  let work: Awaited<ReturnType<typeof tempDir>>;
  const outputs: string[] = [];
  const head = () => `- name: remote
  hosts: web
  connection: ssh
  ssh:
    bastion: { host: ${bastion.host}, port: ${bastion.port}, user: ${fx.user} }
    connect_timeout: 5
  vars: { d: rollcall-play-test }
  tasks:
`;

  beforeAll(async () => {
    fx = await createSshFixture({ sudo: true });
    [bastion, target] = await Promise.all([
      fx.startSshd({ addresses: ["127.0.0.81"] }),
      fx.startSshd({ addresses: ["127.0.0.82"] }),
    ]);
    work = await tempDir();
    await writeHomeKnownHosts(work.dir, [...bastion.knownHostsLines(), ...target.knownHostsLines()]);
    await writeInventory(
      work.dir,
      {
        web1: {
          ansible_host: target.host,
          ansible_port: target.port,
          ansible_user: fx.user,
          ansible_ssh_private_key_file: fx.keyPath,
        },
      },
      { web: ["web1"] },
    );
    await mkdir(join(work.dir, "files"));
    await writeFile(
      join(work.dir, "files", "args.sh"),
      '#!/bin/sh\necho "argc=$#"\nfor a in "$@"; do echo "[$a]"; done\npwd\n',
    );
    await writeFile(join(work.dir, "files", "motd.txt"), "from src\n");
  });

  afterAll(async () => {
    await fx?.cleanup();
    await work?.cleanup();
  });

  it("runs command, shell, script and copy on the target, reached only through the bastion", async () => {
    const bastionLogins = countAccepted(await bastion.readLog());
    const targetLogins = countAccepted(await target.readLog());
    let owner: Promise<{ pid?: number; viaBastion: boolean }> | undefined;
    const pb = `${head()}    - name: where
      shell: echo "$SSH_CONNECTION"
    - name: hold
      command: sleep 1
    - name: workdir
      command: mkdir -p {{ d }}
    - name: argv
      command:
        argv: [printf, "%s|", "a b", "it's", 'say "hi"', "$HOME", "*", "", "x;y"]
    - name: free form
      command: printf '%s|' "a  b" 'c"d' "e'f" \\$HOME
    - name: shell
      shell: printf '%s\\n' "it's $((6*7))" 'a|b' | tr a-z A-Z; echo "to stderr" >&2
    - name: script
      script: { cmd: args.sh "one two" 'three "3"' four, chdir: /tmp }
    - name: script creates
      script: args.sh creates=/tmp
`;
    const play = `${pb}    - name: copy 1
      copy: { content: "hello\\n", dest: "{{ d }}/hello.txt", mode: "0640" }
    - name: copy 2
      copy: { content: "hello\\n", dest: "{{ d }}/hello.txt", mode: "0640" }
    - name: copy mode only
      copy: { content: "hello\\n", dest: "{{ d }}/hello.txt", mode: "0600" }
    - name: copy src
      copy: { src: motd.txt, dest: "{{ d }}/" }
    - name: check
      shell: cat {{ d }}/hello.txt {{ d }}/motd.txt; stat -c '%a %U' {{ d }}/hello.txt
    - name: local
      shell: echo "${"$"}{SSH_CONNECTION:-none} $(id -un)"
      delegate_to: localhost
    - name: cleanup
      command: rm -rf {{ d }}
`;
    const r = await runPlay(work.dir, play, ["-i", "inv.yml", "--json", "-v"], {
      onEvent: (e) => {
        // While the run goes on (the next task holds the connection open), find who owns the
        // TCP connection the target sees: it must be the bastion's sshd, not this process.
        if (e.type !== "task_result" || e.task.name !== "where") return;
        const [srcAddr, srcPort, dstAddr, dstPort] = String(e.result.stdout).split(" ");
        expect([dstAddr, Number(dstPort)]).toEqual([target.host, target.port]);
        owner = tcpSocketOwner(
          { address: srcAddr!, port: Number(srcPort) },
          { address: target.host, port: target.port },
        ).then(async (pid) => ({
          pid,
          viaBastion: pid !== undefined && (await isDescendant(pid, bastion.pid)),
        }));
      },
    });
    outputs.push(r.stdout, r.stderr);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const found = await owner;
    expect(found?.pid).toBeDefined();
    expect(found?.pid).not.toBe(process.pid);
    expect(found?.viaBastion).toBe(true);
    // One bastion login and one target login for the whole run: connections are reused.
    expect(countAccepted(await bastion.readLog()) - bastionLogins).toBe(1);
    expect(countAccepted(await target.readLog()) - targetLogins).toBe(1);

    const res = (name: string) => resultOf(r, name, "web1");
    expect(res("argv").result.stdout).toBe(`a b|it's|say "hi"|$HOME|*||x;y|`);
    expect(res("free form").result.stdout).toBe(`a  b|c"d|e'f|$HOME|`);
    expect(res("shell").result).toMatchObject({ stdout: "IT'S 42\nA|B", stderr: "to stderr", rc: 0 });
    expect(res("script").result).toMatchObject({
      rc: 0,
      changed: true,
      stdout_lines: ["argc=3", "[one two]", '[three "3"]', "[four]", "/tmp"],
    });
    expect(res("script creates")).toMatchObject({
      status: "ok",
      result: { stdout: "skipped, since /tmp exists" },
    });
    expect(res("copy 1")).toMatchObject({ status: "changed", result: { mode: "0640" } });
    expect(res("copy 2")).toMatchObject({ status: "ok", result: { changed: false, mode: "0640" } });
    expect(res("copy mode only")).toMatchObject({ status: "changed", result: { mode: "0600" } });
    expect(res("copy src")).toMatchObject({
      status: "changed",
      result: { dest: "rollcall-play-test/motd.txt" },
    });
    expect(res("check").result.stdout).toBe(`hello\nfrom src\n600 ${fx.user}`);
    expect(res("local")).toMatchObject({ delegate: "localhost", status: "changed" });
    expect(res("local").result.stdout).toMatch(/^none /);

    // The connection to the target was closed at the end of the run.
    await waitFor(async () => (await childPids(target.pid)).length === 0);
    expect(await childPids(target.pid)).toEqual([]);
  });

  it("copy in check mode reports the change without writing it", async () => {
    const pb = `${head()}    - name: seed
      copy: { content: "v1\\n", dest: "{{ d }}-check.txt" }
    - name: would change
      copy: { content: "v2\\n", dest: "{{ d }}-check.txt" }
      check_mode: true
    - name: read
      command: cat {{ d }}-check.txt
    - name: cleanup
      command: rm -f {{ d }}-check.txt
`;
    const r = await runPlay(work.dir, pb, ["-i", "inv.yml", "--json"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    expect(resultOf(r, "would change", "web1").status).toBe("changed");
    expect(resultOf(r, "read", "web1").result.stdout).toBe("v1");
  });

  it.skipIf(sudoSkipReason() !== undefined)("become: sudo -n as root or become_user", async () => {
    expect(fx.sudo).toBe(true);
    const pb = `${head()}    - name: plain
      command: id -un
    - name: root
      command: id -un
      become: true
    - name: nobody
      shell: id -un
      become: true
      become_user: nobody
    - block:
        - name: root file
          copy: { content: "secret\\n", dest: "${fx.dir}/root-only.txt", mode: "0600" }
        - name: root file again
          copy: { content: "secret\\n", dest: "${fx.dir}/root-only.txt", mode: "0600" }
        - name: owner
          command: stat -c '%U %a' ${fx.dir}/root-only.txt
      become: true
    - name: without become it is not readable
      command: cat ${fx.dir}/root-only.txt
      ignore_errors: true
`;
    const r = await runPlay(work.dir, pb, ["-i", "inv.yml", "--json"]);
    outputs.push(r.stdout, r.stderr);
    const out = (name: string) => resultOf(r, name, "web1").result.stdout;
    expect(out("plain")).toBe(fx.user);
    expect(out("root")).toBe("root");
    expect(out("nobody")).toBe("nobody");
    expect(resultOf(r, "root file", "web1").status).toBe("changed");
    expect(resultOf(r, "root file again", "web1").status).toBe("ok");
    expect(out("owner")).toBe("root 600");
    expect(resultOf(r, "without become it is not readable", "web1").status).toBe("failed");
    expect(r.code).toBe(0);
  });

  it("--user and --private-key on the command line, a comma host list and play ssh: settings", async () => {
    const pb = `- hosts: all
  connection: ssh
  ssh: { port: ${target.port}, user: nobody-such, private_key: /nonexistent }
  tasks:
    - name: who
      command: id -un
`;
    const r = await runPlay(work.dir, pb, [
      "-i",
      `${target.host},`,
      "--user",
      fx.user,
      "--private-key",
      fx.keyPath,
      "--json",
    ]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    expect(resultOf(r, "who", target.host).result.stdout).toBe(fx.user);
  });

  it("ansible_connection: ssh on a host switches it to SSH in a local play", async () => {
    await writeInventory(
      work.dir,
      {
        remote: {
          ansible_connection: "ssh",
          ansible_host: target.host,
          ansible_port: target.port,
          ansible_user: fx.user,
          ansible_ssh_private_key_file: fx.keyPath,
        },
        here: {},
      },
      {},
      "mixed.yml",
    );
    const pb = `- hosts: all
  tasks:
    - name: who
      shell: echo "$(id -un) \${SSH_CONNECTION:-local}"
`;
    const r = await runPlay(work.dir, pb, ["-i", "mixed.yml", "--json"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    expect(resultOf(r, "who", "remote").result.stdout).toMatch(new RegExp(`^${fx.user} 127\\.`));
    expect(resultOf(r, "who", "here").result.stdout).toMatch(/ local$/);
  });

  it("never prints key material, in text, JSON or -vvv output, nor in the state dir", async () => {
    const pb = `${head()}    - name: verbose
      command: "true"
`;
    const r = await runPlay(work.dir, pb, ["-i", "inv.yml", "-vvv"]);
    outputs.push(r.stdout, r.stderr, await readTree(join(work.dir, "state")));
    const everything = outputs.join("\n");
    expect(everything).not.toMatch(/PRIVATE KEY/);
    const lines = await privateKeyLines(fx);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(everything).not.toContain(line);
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}
