// Timestamps and durations in the shape Ansible modules return them (Python datetime str()).

/** "2026-11-21 22:14:34.877250" in local time. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
  return `${date} ${time}`;
}

/** "0:00:01.503000" (Python timedelta str()). */
export function formatDelta(ms: number): string {
  const total = Math.max(0, ms);
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const micro = String(Math.round(total % 1000) * 1000).padStart(6, "0");
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${micro}`;
}
