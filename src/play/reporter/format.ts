// Output details copied from Ansible's default callback: Python-style JSON (sorted keys, ", "
// and ": " separators, 4-space indent when verbose), banners, colours and the recap line.
import type { HostStats } from "../events.js";

/** json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False) */
export function pyJson(value: unknown, indent?: number, level = 0): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number")
    return Number.isFinite(value) ? String(value) : value > 0 ? "Infinity" : "NaN";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return JSON.stringify(value);
  const pad = indent ? `\n${" ".repeat(indent * (level + 1))}` : "";
  const close = indent ? `\n${" ".repeat(indent * level)}` : "";
  const sep = indent ? "," : ", ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${value.map((v) => pad + pyJson(v, indent, level + 1)).join(sep)}${close}]`;
  }
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return "{}";
    const rec = value as Record<string, unknown>;
    return `{${keys.map((k) => `${pad}${JSON.stringify(k)}: ${pyJson(rec[k], indent, level + 1)}`).join(sep)}${close}}`;
  }
  return JSON.stringify(String(value));
}

export const COLORS = {
  ok: "0;32",
  changed: "0;33",
  skip: "0;36",
  error: "0;31",
  unreachable: "1;31",
  warn: "1;35",
  debug: "1;30",
  verbose: "0;34",
} as const;
export type Color = keyof typeof COLORS;

export function paint(text: string, color: Color | undefined, enabled: boolean): string {
  return enabled && color ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
}

/** "TASK [name] ****…" filled with stars to `columns` (at least 3 stars). */
export function banner(text: string, columns: number): string {
  const msg = text.trim();
  return `\n${msg} ${"*".repeat(Math.max(3, columns - [...msg].length))}`;
}

export function recapLine(host: string, s: HostStats, color: boolean): string {
  const field = (name: string, n: number, c: Color) =>
    paint(`${name}=${String(n).padEnd(4)}`, n !== 0 ? c : undefined, color);
  const hostColor: Color =
    s.failed !== 0 || s.unreachable !== 0 ? "error" : s.changed !== 0 ? "changed" : "ok";
  const label = color ? paint(host, hostColor, true).padEnd(37) : host.padEnd(26);
  return [
    `${label} :`,
    field("ok", s.ok, "ok"),
    field("changed", s.changed, "changed"),
    field("unreachable", s.unreachable, "unreachable"),
    field("failed", s.failed, "error"),
    field("skipped", s.skipped, "skip"),
    field("rescued", s.rescued, "ok"),
    field("ignored", s.ignored, "warn"),
  ].join(" ");
}

/** "Playbook run took 0 days, 0 hours, 1 minutes, 5 seconds" (Ansible's timer callback). */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return `Playbook run took ${days} days, ${hours} hours, ${minutes} minutes, ${s % 60} seconds`;
}

/** "12s / 600s" */
export function formatWait(elapsedMs: number, timeoutMs?: number): string {
  const e = `${Math.floor(elapsedMs / 1000)}s`;
  return timeoutMs === undefined ? e : `${e} / ${Math.round(timeoutMs / 1000)}s`;
}
