import { describe, expect, it } from "vitest";
import { parsePlaybook } from "../../src/play/parse/playbook.js";
import type { Block, Play, Task } from "../../src/play/types.js";

function parse(text: string): Play[] {
  const r = parsePlaybook(text, "p.yml", "/tmp");
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("; "));
  return r.value.plays;
}

describe("parse", () => {
  it("fills play defaults and accepts Ansible's spellings", () => {
    const [p] = parse(
      `- hosts: [a, b]\n  gather_facts: no\n  any_errors_fatal: yes\n  serial: ["1", "30%"]\n  max_fail_percentage: "25%"\n`,
    );
    expect(p).toMatchObject({
      name: "a,b",
      hosts: "a,b",
      order: "inventory",
      serial: [1, "30%"],
      maxFailPercentage: 25,
      anyErrorsFatal: true,
      connection: "local",
      tasks: [],
    });
  });

  it("parses free-form and k=v arguments, aliases and ansible.builtin names", () => {
    const [p] = parse(`- hosts: all
  tasks:
    - command: ls -l "my dir" chdir=/tmp creates=/x
    - ansible.builtin.debug: msg="hello world" verbosity=1
    - assert: { that: "eq 1 1", msg: nope }
`);
    const [cmd, dbg, as] = p!.allTasks;
    expect(cmd).toMatchObject({
      action: "command",
      args: { cmd: 'ls -l "my dir"', chdir: "/tmp", creates: "/x" },
    });
    expect(dbg).toMatchObject({
      action: "debug",
      actionKey: "ansible.builtin.debug",
      args: { msg: "hello world", verbosity: "1" },
    });
    expect(as!.args).toEqual({ that: "eq 1 1", fail_msg: "nope" });
  });

  it("passes block keywords down and marks rescue/always tasks", () => {
    const [p] = parse(`- hosts: all
  tasks:
    - name: outer
      when: a
      ignore_errors: true
      block:
        - debug: {}
          when: b
        - block:
            - debug: {}
          always:
            - debug: {}
      rescue:
        - debug: {}
      always:
        - debug: {}
    - debug: {}
`);
    const t = p!.allTasks;
    expect(t.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t[0]!.when.map((c) => c.expr)).toEqual(["a", "b"]);
    expect(t[0]).toMatchObject({ ignoreErrors: true, rescuable: true, inRecovery: false });
    expect(t[2]).toMatchObject({ rescuable: true, inRecovery: true }); // inner always, inside the outer block
    expect(t[3]).toMatchObject({ rescuable: false, inRecovery: true, inRescue: true });
    expect(t[4]).toMatchObject({ rescuable: false, inRecovery: true, inRescue: false });
    expect(t[5]).toMatchObject({ when: [], ignoreErrors: false, rescuable: false });
    const outer = p!.tasks[0] as Block;
    expect(outer.kind).toBe("block");
    expect((outer.block[0] as Task).at).toEqual({ file: "p.yml", line: 7, col: 11 });
  });

  it("collects every problem with its position", () => {
    const r = parsePlaybook(
      `- hosts: all\n  tasks:\n    - debgu: {}\n    - wait_for: { prot: 1 }\n`,
      "p.yml",
      "/tmp",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.at?.line}:${i.at?.col} ${i.message}`)).toEqual([
      '3:7 unknown task keyword or module "debgu" (did you mean "debug"?)',
      '4:19 wait_for: unknown option "prot" (did you mean "port"?)',
    ]);
  });
});
