// Host order and `serial` batches, as Ansible computes them.
import type { Vars } from "../../inventory/model.js";
import type { HostOrder, SerialStep } from "../types.js";

export function orderHosts(
  hosts: readonly string[],
  order: HostOrder,
  varsOf: (host: string) => Vars,
  random: () => number = Math.random,
): string[] {
  const list = [...hosts];
  switch (order) {
    case "inventory":
      return list;
    case "reverse_inventory":
      return list.reverse();
    case "sorted":
      return list.sort();
    case "reverse_sorted":
      return list.sort().reverse();
    case "shuffle":
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list;
    case "oldest_first": {
      // Hosts without a launch time keep their inventory order after the dated ones.
      const time = (h: string) => launchTime(varsOf(h));
      return list
        .map((h, i) => ({ h, i, t: time(h) }))
        .sort((a, b) => (a.t ?? Number.POSITIVE_INFINITY) - (b.t ?? Number.POSITIVE_INFINITY) || a.i - b.i)
        .map((x) => x.h);
    }
  }
}

function launchTime(vars: Vars): number | undefined {
  for (const key of ["spotinst_launchedAt", "ec2_launch_time", "spotinst_createdAt"]) {
    const v = vars[key];
    if (typeof v === "string" || typeof v === "number" || v instanceof Date) {
      const t = new Date(v).getTime();
      if (!Number.isNaN(t)) return t;
    }
  }
  return undefined;
}

/** Ansible's pct_to_int: "30%" of n, truncated, at least 1; plain numbers as they are. */
export function batchSize(step: SerialStep, total: number): number {
  if (typeof step === "string" && step.trim().endsWith("%")) {
    return Math.trunc((Number.parseFloat(step) / 100) * total) || 1;
  }
  return Math.trunc(Number(step));
}

/** Split hosts into serial batches; the last entry of the list repeats, ≤ 0 means "the rest". */
export function serialBatches(hosts: readonly string[], serial: readonly SerialStep[]): string[][] {
  const steps = serial.length === 0 ? [0] : serial;
  const rest = [...hosts];
  const batches: string[][] = [];
  let i = 0;
  while (rest.length > 0) {
    const size = batchSize(steps[i]!, hosts.length);
    if (size <= 0) {
      batches.push(rest.splice(0));
      break;
    }
    batches.push(rest.splice(0, size));
    i = Math.min(i + 1, steps.length - 1);
  }
  return batches;
}
