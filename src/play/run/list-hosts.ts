// `--list-hosts` / `--list-tasks` output, in ansible-playbook's layout (without tags).

import { type TaskNode, taskLabel } from "../types.js";
import { orderHosts } from "./batches.js";
import type { PreparedRun } from "./prepare.js";

/**
 * The hosts of each play in the order they would run (`order:` applied; one draw of `shuffle`).
 * ansible-playbook prints a set here, in no particular order; rollcall prints the run order.
 */
export function formatHostList(run: PreparedRun, random: () => number = Math.random): string {
  const lines = ["", `playbook: ${run.playbook.file}`];
  for (const p of run.plays) {
    const hosts = orderHosts(p.hosts, p.play.order, (h) => run.view.vars.get(h) ?? {}, random);
    lines.push("", `  play #${p.play.index + 1} (${p.play.hosts}): ${p.play.name}`);
    lines.push(`    pattern: ${p.play.hosts}`, `    hosts (${hosts.length}):`);
    for (const h of hosts) lines.push(`      ${h}`);
  }
  return `${lines.join("\n")}\n`;
}

export function formatTaskList(run: PreparedRun): string {
  const lines = ["", `playbook: ${run.playbook.file}`];
  for (const p of run.plays) {
    lines.push("", `  play #${p.play.index + 1} (${p.play.hosts}): ${p.play.name}`, "    tasks:");
    const walk = (nodes: TaskNode[]) => {
      for (const n of nodes) {
        if (n.kind === "task") lines.push(`      ${taskLabel(n)}`);
        else [n.block, n.rescue, n.always].forEach(walk);
      }
    };
    walk(p.play.tasks);
  }
  return `${lines.join("\n")}\n`;
}
