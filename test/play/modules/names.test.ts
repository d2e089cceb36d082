// Module names and arguments as Ansible playbooks write them: `ansible.builtin.*` for every
// module rollcall shares with Ansible, the old `spotinst_aws_stateful` with its parameter names,
// and `k=v` strings whose quoted values hold templates.
import { describe, expect, it } from "vitest";
import { parsePlaybook } from "../../../src/play/parse/playbook.js";
import type { Task } from "../../../src/play/types.js";

function tasksOf(body: string): Task[] {
  const parsed = parsePlaybook(`- hosts: all\n  gather_facts: false\n  tasks:\n${body}`, "play.yml", "/tmp");
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => i.message).join("; "));
  return parsed.value.plays[0]!.allTasks;
}

const BUILTIN: Record<string, string> = {
  debug: "msg: hi",
  fail: "msg: no",
  assert: "that: [true]",
  set_fact: "x: 1",
  pause: "seconds: 1",
  wait_for: "port: 22",
  uri: "url: http://127.0.0.1/",
  command: "cmd: 'true'",
  shell: "cmd: 'true'",
  script: "cmd: x.sh",
  copy: "content: x\n        dest: /tmp/x",
};

describe("module names and arguments as Ansible writes them", () => {
  it.each(Object.entries(BUILTIN))("ansible.builtin.%s is %s", (name, args) => {
    const [task] = tasksOf(`    - ansible.builtin.${name}:\n        ${args}\n`);
    expect(task!.action).toBe(name);
  });

  it("spotinst_aws_stateful takes the old module's parameter names", () => {
    const [task] = tasksOf(
      [
        "    - spotinst_aws_stateful:",
        "        state: recycled",
        '        esg: "{{ spotinst_esg_id }}"',
        '        account_id: "{{ spotinst_accountId }}"',
        "        api_token: token-from-somewhere",
        '        stateful_instance_id: "{{ spotinst_id }}"',
        "        wait_timeout: 600",
        "",
      ].join("\n"),
    );
    expect(task!.action).toBe("spotinst_stateful");
    expect(task!.args).toEqual({
      state: "recycled",
      esg_id: "{{ spotinst_esg_id }}",
      account_id: "{{ spotinst_accountId }}",
      api_token: "token-from-somewhere",
      stateful_instance_id: "{{ spotinst_id }}",
      wait_timeout: 600,
    });
  });

  it("k=v strings keep quoted templates whole and drop the quotes", () => {
    const [dbg, wait] = tasksOf(
      [
        '    - debug: msg="{{ result }}" verbosity=2',
        '    - wait_for: host="{{ result.stateful.privateIp }}" port="{{ recycle_check_port }}" state=present',
        "",
      ].join("\n"),
    );
    expect(dbg!.args).toEqual({ msg: "{{ result }}", verbosity: "2" });
    expect(wait!.args).toEqual({
      host: "{{ result.stateful.privateIp }}",
      port: "{{ recycle_check_port }}",
      state: "present",
    });
  });
});
