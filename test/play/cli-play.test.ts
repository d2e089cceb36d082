// `rollcall play` options: listing, syntax check, inventory sources, limits.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { playCommand } from "../../src/cli/play.js";
import type { Inventory } from "../../src/inventory/model.js";
import { memoryContext, play, tempDir } from "./support.js";

const pb = `- name: Recycle
  hosts: kafka:!k3
  gather_facts: no
  tasks:
    - name: first
      debug: { msg: "{{ port }}" }
    - block:
        - name: inside
          debug: {}
      rescue:
        - fail: {}
`;

const inventory: Inventory = {
  hosts: { k1: { port: 1 }, k2: { port: 2 }, k3: { port: 3 } },
  groups: {
    all: { name: "all", hosts: [], children: ["kafka"], vars: {} },
    kafka: { name: "kafka", hosts: ["k1", "k2", "k3"], children: [], vars: {} },
  },
};

describe("rollcall play", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  const calls: { file: string; cacheDir: string }[] = [];
  const loadInventory = async (
    file: string,
    o: { cacheDir: string; note: (n: { level: "warn"; message: string }) => void },
  ) => {
    calls.push({ file, cacheDir: o.cacheDir });
    o.note({ level: "warn", message: "group sig-1 has no instances" });
    return inventory;
  };
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work.cleanup());

  it("is a yargs command module", () => {
    const cmd = playCommand(memoryContext(work.dir));
    expect(cmd.command).toBe("play [playbook]");
  });

  it("--list-hosts and --list-tasks run nothing", async () => {
    const r = await play(work.dir, pb, ["-i", "inv.yml", "--list-hosts", "--list-tasks"], { loadInventory });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "",
        "playbook: play.yml",
        "",
        "  play #1 (kafka:!k3): Recycle",
        "    pattern: kafka:!k3",
        "    hosts (2):",
        "      k1",
        "      k2",
        "",
        "playbook: play.yml",
        "",
        "  play #1 (kafka:!k3): Recycle",
        "    tasks:",
        "      first",
        "      inside",
        "      fail",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe("[WARNING]: group sig-1 has no instances\n");
  });

  it("reads the inventory config from -i or ROLLCALL_CONFIG, relative to the cwd", async () => {
    calls.length = 0;
    await play(work.dir, pb, ["--syntax-check"], { loadInventory }, { ROLLCALL_CONFIG: "conf/inv.yml" });
    expect(calls).toEqual([
      { file: join(work.dir, "conf/inv.yml"), cacheDir: join(work.dir, ".cache", "rollcall") },
    ]);
  });

  it("--syntax-check: ok without an inventory; checks names with one", async () => {
    const ok = await play(work.dir, pb, ["--syntax-check"]);
    expect(ok).toMatchObject({ code: 0, stdout: "\nplaybook: play.yml\n", stderr: "" });
    const bad = await play(work.dir, pb.replace("{{ port }}", "{{ prot }}"), ["--syntax-check", "-i", "x"], {
      loadInventory,
    });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(
      'play.yml:6:21: task "first", field "debug.msg": undefined variable "prot" (did you mean "port"?)',
    );
  });

  it("--limit (also @file) narrows the hosts", async () => {
    await writeFile(join(work.dir, "retry.txt"), "k2\n");
    const r = await play(work.dir, pb, ["-i", "x", "--limit", "@retry.txt", "--list-hosts"], {
      loadInventory,
    });
    expect(r.stdout).toContain("    hosts (1):\n      k2\n");
  });

  it("loads a real inventory config (static source) through src/inventory", async () => {
    await writeFile(
      join(work.dir, "static.yml"),
      "sources:\n  - type: static\n    hosts:\n      k1: { port: 9092 }\n      k2: { port: 9093 }\n    groups:\n      kafka: [k1, k2]\ncache: { enabled: false }\n",
    );
    const r = await play(
      work.dir,
      pb,
      ["--json"],
      {},
      { ROLLCALL_CONFIG: "static.yml", XDG_CACHE_HOME: join(work.dir, "cache") },
    );
    expect(r.stderr).toBe("");
    const msgs = r.events.flatMap((e) =>
      e.type === "task_result" && e.task.name === "first" ? [`${e.host}=${e.result.msg}`] : [],
    );
    expect(msgs).toEqual(["k1=9092", "k2=9093"]);
  });

  it("without -i only the implicit localhost exists", async () => {
    const r = await play(
      work.dir,
      `- hosts: localhost\n  tasks:\n    - debug: { msg: "{{ inventory_hostname }}" }\n`,
      ["--json"],
    );
    expect(r.events.find((e) => e.type === "task_result")).toMatchObject({
      host: "localhost",
      result: { msg: "localhost" },
    });
  });

  it("reports an inventory that cannot be loaded as it was thrown (e.g. a remote error, exit 3)", async () => {
    const { RemoteError } = await import("../../src/errors.js");
    const failing = async () => {
      throw new RemoteError({ service: "spotinst", operation: "GET /aws/ec2/group", status: 401 });
    };
    const r = await play(work.dir, pb, ["-i", "inv.yml"], { loadInventory: failing });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("rollcall: spotinst GET /aws/ec2/group failed: HTTP 401\n");
  });
});
