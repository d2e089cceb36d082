// Text for what a session leaves behind: the "in flight / resume with" block after an interrupt,
// and the `rollcall play --journals` table. Formatting only; the CLI prints.
import type { JournalSummary } from "../journal/prune.js";
import type { InFlightAction } from "../journal/wiring.js";

/** What goes on in the cloud after an interrupt, and the command that resumes the run. */
export function formatInterruptSummary(inFlight: readonly InFlightAction[], resumeLine?: string): string {
  const flying = inFlight.map(
    (a) => `  ${a.kind} of ${a.subject}, issued at ${a.issuedAt} (it goes on in the cloud)\n`,
  );
  return (
    (flying.length > 0 ? `in flight:\n${flying.join("")}` : "nothing in flight\n") +
    (resumeLine ? `resume with: ${resumeLine}\n` : "")
  );
}

/** One line per journal, newest last: state, age, in-flight count, playbook, inventory, limit. */
export function formatJournalList(journals: readonly JournalSummary[], now: number): string {
  if (journals.length === 0) return "no run journals\n";
  const rows = journals.map((j) => [
    j.state,
    formatAge(now - j.lastActivity),
    String(j.inFlight),
    j.playbook,
    j.inventory ?? "-",
    j.limit ?? "-",
  ]);
  const head = ["STATE", "AGE", "IN FLIGHT", "PLAYBOOK", "INVENTORY", "LIMIT"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[head, ...rows].map(line).join("\n")}\n`;
}

/** 45s, 12m, 3h, 9d: the largest unit, rounded down. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
