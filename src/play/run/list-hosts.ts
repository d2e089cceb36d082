// `--list-hosts` / `--list-tasks` output, in ansible-playbook's layout (without tags).

import { type TaskNode, taskLabel } from "../types.js";
import type { PreparedRun } from "./prepare.js";

export function formatHostList(run: PreparedRun): string {
  const lines = ["", `playbook: ${run.playbook.file}`];
  for (const p of run.plays) {
    lines.push("", `  play #${p.play.index + 1} (${p.play.hosts}): ${p.play.name}`);
    lines.push(`    pattern: ${p.play.hosts}`, `    hosts (${p.hosts.length}):`);
    for (const h of p.hosts) lines.push(`      ${h}`);
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
