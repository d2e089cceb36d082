// Engine semantics beyond the Ansible conformance scenarios: unreachable hosts, timeouts, check
// mode, interrupts, forks, variables, connections and the events the journal and reporters rely on.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Inventory } from "../../src/inventory/model.js";
import { HostUnreachableError } from "../../src/play/connection/connection.js";
import type { PlayEvent } from "../../src/play/events.js";
import { registerModule } from "../../src/play/modules/index.js";
import { play, tempDir } from "./support.js";

const head = (extra = "") => `- hosts: all\n  connection: local\n  gather_facts: false\n${extra}  tasks:\n`;
const results = (events: PlayEvent[]) =>
  events.flatMap((e) =>
    e.type === "task_result" ? [`${e.host} ${e.task.name}: ${e.status}${e.ignored ? " (ignored)" : ""}`] : [],
  );
const end = (events: PlayEvent[]) =>
  events.find((e) => e.type === "playbook_end") as Extract<PlayEvent, { type: "playbook_end" }>;

let running = 0;
let peak = 0;
const attempts = new Map<string, number>();
registerModule({
  name: "test_probe",
  params: z.strictObject({
    unreachable: z.array(z.string()).optional(),
    throw: z.boolean().optional(),
    sleep_ms: z.number().optional(),
  }),
  checkMode: "skip",
  async run(p, ctx) {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, p.sleep_ms ?? 0));
    running--;
    if (p.unreachable?.includes(ctx.host.name)) {
      if (p.throw)
        throw new HostUnreachableError(`ssh: connect to host ${ctx.host.name} port 22: Connection refused`);
      return { unreachable: true, msg: "no route" };
    }
    const n = (attempts.get(ctx.host.name) ?? 0) + 1;
    attempts.set(ctx.host.name, n);
    return { changed: false, attempt: n };
  },
});

describe("runner", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work.cleanup());

  it("unreachable hosts count as such, leave the play and later plays, exit 4", async () => {
    const pb =
      head() +
      "    - test_probe: { unreachable: [h2] }\n    - name: next\n      debug: { msg: x }\n" +
      head() +
      "    - name: second play\n      debug: { msg: y }\n";
    const r = await play(work.dir, pb, ["-i", "h1,h2,h3,", "--json"]);
    expect(r.code).toBe(4);
    expect(results(r.events).filter((l) => l.startsWith("h2"))).toEqual(["h2 test_probe: unreachable"]);
    expect(end(r.events).stats.h2).toMatchObject({ unreachable: 1, ok: 0 });
    const text = await play(
      work.dir,
      pb.replace("test_probe: { unreachable: [h2] }", "test_probe: { unreachable: [h2], throw: true }"),
      ["-i", "h1,h2,"],
    );
    expect(text.stdout).toContain(
      'fatal: [h2]: UNREACHABLE! => {"changed": false, "msg": "ssh: connect to host h2 port 22: Connection refused", "unreachable": true}',
    );
    expect(text.code).toBe(4);
  });

  it("a task timeout stops the module with Ansible's message", async () => {
    const started = Date.now();
    const r = await play(work.dir, `${head()}    - pause: { seconds: 30 }\n      timeout: 0.2\n`, [
      "-i",
      "h1,",
      "--json",
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
    const res = r.events.find((e) => e.type === "task_result");
    expect(res).toMatchObject({
      status: "failed",
      result: {
        msg: "The pause action failed to execute in the expected time frame (0.2) and was terminated",
      },
    });
    expect(r.code).toBe(2);
  });

  it("check mode: nothing changes unless check_mode: false; unsupported modules skip", async () => {
    const pb = `${head()}    - command: touch made-in-check\n    - command: touch made-anyway\n      check_mode: false\n    - test_probe: {}\n`;
    const r = await play(work.dir, pb, ["-i", "h1,", "--check", "--json"]);
    expect(existsSync(join(work.dir, "made-in-check"))).toBe(false);
    expect(existsSync(join(work.dir, "made-anyway"))).toBe(true);
    const res = r.events.filter((e) => e.type === "task_result");
    expect(res.map((e) => e.status)).toEqual(["skipped", "changed", "skipped"]);
    expect(res[0]!.result.msg).toBe("Command would have run if not in check mode");
    expect(res[2]!.result.msg).toBe("remote module (test_probe) does not support check mode");
    expect(r.events[0]).toMatchObject({ type: "playbook_start", check: true });
  });

  it("Ctrl-C (the abort signal) stops the run: exit 99, as ansible-playbook", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const r = await play(
      work.dir,
      `${head()}    - pause: { seconds: 30 }\n    - debug: { msg: never }\n`,
      ["-i", "h1,"],
      {
        signal: controller.signal,
      },
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code).toBe(99);
    // Then what is in flight and the resume command (src/play/reporter/session.ts).
    expect(r.stderr).toContain("rollcall: interrupted\nrollcall: nothing in flight\n");
    expect(r.stderr).toContain("resume with: rollcall play play.yml -i h1, --resume\n");
    expect(r.stdout).not.toContain("never");
  });

  it("runs hosts of a batch concurrently up to --forks", async () => {
    const pb = `${head()}    - test_probe: { sleep_ms: 30 }\n`;
    peak = 0;
    await play(work.dir, pb, ["-i", "a,b,c,d,e,f,", "--forks", "2"]);
    expect(peak).toBe(2);
    peak = 0;
    await play(work.dir, pb, ["-i", "a,b,c,d,e,f,", "--forks", "10"]);
    expect(peak).toBe(6);
  });

  it("retries/until see the registered result; delay may be 0", async () => {
    attempts.clear();
    const pb = `${head()}    - name: probe
      test_probe: {}
      register: p
      until: eq p.attempt 3
      retries: 5
      delay: 0
`;
    const r = await play(work.dir, pb, ["-i", "h1,", "--json"]);
    expect(r.events.filter((e) => e.type === "task_retry").map((e) => e.retriesLeft)).toEqual([5, 4]);
    expect(r.events.find((e) => e.type === "task_result")).toMatchObject({
      status: "ok",
      result: { attempts: 3 },
    });
  });

  const inventory: Inventory = {
    hosts: { k1: { port: 9092, rack: "a" }, k2: { rack: "b" } },
    groups: {
      all: { name: "all", hosts: [], children: ["kafka"], vars: { cluster: "prod" } },
      kafka: { name: "kafka", hosts: ["k1", "k2"], children: [], vars: {} },
    },
  };
  const loadInventory = async () => inventory;

  it("an undefined host variable fails that host with file:line:col, task and field", async () => {
    const pb = `${head()}    - name: show port\n      debug:\n        msg: "port {{ port }}"\n`;
    const r = await play(work.dir, pb, ["-i", "inv.yml", "--json"], { loadInventory });
    const byHost = Object.fromEntries(
      r.events.flatMap((e) => (e.type === "task_result" ? [[e.host, e]] : [])),
    );
    expect(byHost.k1).toMatchObject({ status: "ok", result: { msg: "port 9092" } });
    expect(byHost.k2).toMatchObject({
      status: "failed",
      result: { msg: 'play.yml:7:14: task "show port", field "debug.msg": undefined variable "port"' },
    });
  });

  it("variables: hostvars, groups, group_names, play vars that template, -e wins, native types", async () => {
    const pb = `- hosts: kafka
  gather_facts: false
  vars:
    url: "http://{{ inventory_hostname }}:{{ default port 1 }}"
    rack: play-rack
  tasks:
    - set_fact:
        other: "{{ lookup (lookup hostvars 'k2') 'rack' }}"
        members: "{{ groups.kafka }}"
    - debug:
        msg: "{{ url }} {{ rack }} {{ cluster }} {{ join group_names ',' }} {{ other }} {{ length members }}"
    - name: ports stay numbers
      debug:
        msg: "{{ ports }}"
      loop: "{{ ports }}"
`;
    const r = await play(
      work.dir,
      pb,
      ["-i", "inv.yml", "--json", "-e", '{"ports": [1, 2]}', "-e", "rack=cli"],
      { loadInventory },
    );
    const msgs = r.events.flatMap((e) => (e.type === "task_result" && e.host === "k1" ? [e.result.msg] : []));
    expect(msgs[1]).toBe("http://k1:9092 cli prod kafka cli 2");
    const items = r.events.filter((e) => e.type === "item_result" && e.host === "k1");
    expect(items.map((e) => (e as { item: unknown }).item)).toEqual([1, 2]);
    const loop = r.events.find((e) => e.type === "task_result" && e.host === "k1" && e.task.loop);
    expect(loop).toMatchObject({ result: { results: [{ item: 1, msg: [1, 2] }, { item: 2 }] } });
  });

  it("delegate_to labels the host, a non-local delegate needs a connection", async () => {
    const pb = `${head()}    - debug: { msg: here }\n      delegate_to: localhost\n    - command: "true"\n      delegate_to: db1\n`;
    const r = await play(work.dir, pb, ["-i", "h1,", "--json"]);
    const res = r.events.filter((e) => e.type === "task_result");
    expect(res[0]).toMatchObject({ host: "h1", delegate: "localhost", status: "ok" });
    expect(res[1]).toMatchObject({ delegate: "db1", status: "unreachable" });
    const text = await play(work.dir, pb, ["-i", "h1,"]);
    expect(text.stdout).toContain("ok: [h1 -> localhost] => {");
  });

  it("connection: ssh runs command through the injected connection (and is unreachable without one)", async () => {
    const pb = `- hosts: all\n  connection: ssh\n  ssh: { user: admin }\n  tasks:\n    - command: hostname\n`;
    const seen: unknown[] = [];
    const connect = async (target: unknown) => {
      seen.push(target);
      return {
        kind: "fake-ssh",
        exec: async () => ({ rc: 0, stdout: "remote-host\n", stderr: "" }),
        pathExists: async () => false,
      };
    };
    const r = await play(work.dir, pb, ["-i", "h1,", "--json"], { services: { connect } });
    expect(r.events.find((e) => e.type === "task_result")).toMatchObject({
      status: "changed",
      result: { stdout: "remote-host" },
    });
    expect(seen[0]).toMatchObject({ host: "h1", connection: "ssh", ssh: { user: "admin" } });
    const none = await play(work.dir, pb, ["-i", "h1,"]);
    expect(none.code).toBe(4);
  });

  it("emits host_done and batch_end for every host (the journal's seam)", async () => {
    const pb = `${head("  serial: 1\n")}    - fail: { msg: x }\n      when: eq inventory_hostname "h2"\n`;
    const r = await play(work.dir, pb, ["-i", "h1,h2,h3,", "--json"]);
    const done = r.events.filter((e) => e.type === "host_done").map((e) => `${e.host}=${e.outcome}`);
    expect(done).toEqual(["h1=ok", "h2=failed"]);
    expect(r.events.filter((e) => e.type === "batch_end").map((e) => e.hosts)).toEqual([
      { h1: "ok" },
      { h2: "failed" },
    ]);
  });

  it("order applies before batching; pause runs once per batch and registers for all", async () => {
    const pb = `${head("  order: reverse_sorted\n  serial: 2\n")}    - pause: { seconds: 0.01 }\n      register: paused\n    - debug: { msg: "{{ paused.stdout }}" }\n`;
    const r = await play(work.dir, pb, ["-i", "a,c,b,", "--json"]);
    expect(r.events.filter((e) => e.type === "batch_start").map((e) => e.hosts)).toEqual([["c", "b"], ["a"]]);
    expect(results(r.events)).toEqual([
      "c pause: ok",
      "c debug: ok",
      "b debug: ok",
      "a pause: ok",
      "a debug: ok",
    ]);
    expect(end(r.events).stats.b).toMatchObject({ ok: 1 });
  });

  it("debug verbosity thresholds skip; failed_when errors fail the task with a reason", async () => {
    const pb = `${head()}    - debug: { msg: hidden, verbosity: 1 }\n    - debug: { msg: x }\n      failed_when: eq nothere 1\n`;
    const r = await play(work.dir, pb, ["-i", "h1,", "--json", "-e", "nothere=1"]);
    expect(results(r.events)).toEqual(["h1 debug: skipped", "h1 debug: ok"]);
    const shown = await play(work.dir, pb, ["-i", "h1,", "-v", "-e", "nothere=1"]);
    expect(shown.stdout).toContain('"msg": "hidden"');
  });

  it("warns on stderr about patterns that match nothing and says so", async () => {
    const pb = `- hosts: kafak\n  tasks:\n    - debug: {}\n`;
    const r = await play(work.dir, pb, ["-i", "kafka1,"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[WARNING]: Could not match supplied host pattern, ignoring: kafak");
    expect(r.stdout).toContain("skipping: no hosts matched");
  });
});
