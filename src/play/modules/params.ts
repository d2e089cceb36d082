// Parameter types with Ansible's conversions: "8080" is an int, "yes" is true, a number is a
// string where a string is expected, "a,b" is a list. Values from `-e k=v`, k=v task arguments
// and mixed templates arrive as strings, so every module parameter goes through these.
import { z } from "zod";

const TRUE_WORDS = new Set(["true", "yes", "on", "y", "t", "1"]);
const FALSE_WORDS = new Set(["false", "no", "off", "n", "f", "0"]);

/** Ansible's boolean(): accepts true/false, yes/no, on/off, 1/0 (case-insensitive). */
export function toBoolean(v: unknown): unknown {
  if (typeof v === "boolean") return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === "string") {
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  return v;
}

function toNumberIf(pattern: RegExp) {
  return (v: unknown): unknown => (typeof v === "string" && pattern.test(v.trim()) ? Number(v.trim()) : v);
}

export const int = () => z.preprocess(toNumberIf(/^[-+]?\d+$/), z.number().int());
export const num = () => z.preprocess(toNumberIf(/^[-+]?(\d+\.?\d*|\.\d+)$/), z.number());
export const bool = () => z.preprocess(toBoolean, z.boolean());
export const str = () =>
  z.preprocess((v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v), z.string());

/** A list, also given as one value or a comma-separated string. */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()) : Array.isArray(v) ? v : [v]),
    z.array(item),
  );
}

/** A mapping of strings (headers, env). */
export const strMap = () => z.record(z.string(), str());
