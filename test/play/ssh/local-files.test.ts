// copy and script on the local connection (the default): the same modules, without SSH.
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMode } from "../../../src/play/modules/copy.js";
import { sudoUnavailableReason } from "../../helpers/sshd-fixture.js";
import { tempDir } from "../support.js";
import { resultOf, runPlay } from "./support.js";

describe("copy and script on a local connection", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir();
    await mkdir(join(work.dir, "files"));
    await writeFile(join(work.dir, "files", "s.sh"), '#!/bin/sh\necho "$#:$1:$(pwd)"\n');
    await writeFile(join(work.dir, "files", "data.bin"), Buffer.from([0, 255, 10, 13]));
    await mkdir(join(work.dir, "out"));
  });
  afterAll(() => work.cleanup());

  it("copies content and src idempotently, with mode; check mode writes nothing", async () => {
    const dest = join(work.dir, "out", "a.txt");
    const pb = `- hosts: localhost
  tasks:
    - { name: c1, copy: { content: "x\\n", dest: "${dest}", mode: "0600" } }
    - { name: c2, copy: { content: "x\\n", dest: "${dest}", mode: "0600" } }
    - { name: c3, copy: { content: "y\\n", dest: "${dest}" }, check_mode: true }
    - { name: c4, copy: { content: "x\\n", dest: "${dest}", mode: 644 } }
    - { name: bin, copy: { src: data.bin, dest: "${work.dir}/out/" } }
    - { name: bin2, copy: { src: data.bin, dest: "${work.dir}/out/" } }
    - { name: missing, copy: { src: nope.txt, dest: "${dest}" }, ignore_errors: true }
`;
    const r = await runPlay(work.dir, pb, ["-i", "localhost,", "--json"]);
    const status = (n: string) => resultOf(r, n, "localhost").status;
    expect(["c1", "c2", "c3", "c4", "bin", "bin2"].map(status)).toEqual([
      "changed",
      "ok",
      "changed",
      "changed",
      "changed",
      "ok",
    ]);
    expect(await readFile(dest, "utf8")).toBe("x\n");
    expect((await stat(dest)).mode & 0o777).toBe(0o644);
    expect(await readFile(join(work.dir, "out", "data.bin"))).toEqual(Buffer.from([0, 255, 10, 13]));
    expect(resultOf(r, "missing", "localhost").result.msg).toMatch(/Could not find or access 'nope.txt'/);
    expect(r.code).toBe(0);
    const both = `- hosts: localhost\n  tasks:\n    - copy: { src: data.bin, content: x, dest: /tmp/x }\n`;
    const bad = await runPlay(work.dir, both, ["-i", "localhost,"]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/play\.yml:3:13: copy: src and content are mutually exclusive/);
  });

  it("runs a script with its arguments in chdir; creates skips it", async () => {
    const pb = `- hosts: localhost
  tasks:
    - { name: s1, script: { cmd: "s.sh 'a b' c", chdir: /tmp } }
    - { name: s2, script: "s.sh creates=${work.dir}" }
    - { name: s3, script: s.sh, check_mode: true }
`;
    const r = await runPlay(work.dir, pb, ["-i", "localhost,", "--json"]);
    expect(resultOf(r, "s1", "localhost").result).toMatchObject({
      rc: 0,
      stdout: "2:a b:/tmp\n",
      changed: true,
    });
    expect(resultOf(r, "s2", "localhost")).toMatchObject({ status: "ok" });
    expect(resultOf(r, "s3", "localhost")).toMatchObject({ status: "skipped" });
    expect(r.code).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0 || sudoUnavailableReason() !== undefined)(
    "become on the local connection goes through sudo -n, for commands, scripts and files",
    async () => {
      const dest = join(work.dir, "out", "nobody.txt");
      const pb = `- hosts: localhost
  become: true
  become_user: nobody
  tasks:
    - { name: who, command: id -un }
    - { name: script, script: s.sh }
    - { name: root, command: id -un, become_user: root }
    - { name: file, copy: { content: "n\\n", dest: "${dest}" }, become_user: root }
    - { name: file again, copy: { content: "n\\n", dest: "${dest}" }, become_user: root }
`;
      const r = await runPlay(work.dir, pb, ["-i", "localhost,", "--json"]);
      const out = (n: string) => resultOf(r, n, "localhost").result.stdout;
      expect(out("who")).toBe("nobody");
      expect(out("script")).toMatch(/^0::/);
      expect(out("root")).toBe("root");
      expect(resultOf(r, "file", "localhost").status).toBe("changed");
      expect(resultOf(r, "file again", "localhost").status).toBe("ok");
      expect(await readFile(dest, "utf8")).toBe("n\n");
      expect(r.code).toBe(0);
    },
  );

  it("reads modes the way YAML gives them", () => {
    expect(parseMode("0644")).toBe(0o644);
    expect(parseMode(644)).toBe(0o644);
    expect(parseMode("0o755")).toBe(0o755);
    expect(parseMode("u+x")).toBeUndefined();
    expect(parseMode(999)).toBeUndefined();
  });
});
