// "Did you mean" hints that also forgive swapped letters ("whne" → "when", "prot" → "port"):
// the optimal-string-alignment distance counts a transposition as one edit.
import type { Issue } from "../errors.js";

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** ` (did you mean "x"?)` for the closest candidate, or "" when nothing is close. */
export function hint(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const score = distance(word.toLowerCase(), c.toLowerCase());
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && bestScore <= limit ? ` (did you mean "${best}"?)` : "";
}

/** Add a hint to `unknown option "x"` issues that came without one. */
export function withHints(issues: Issue[], candidates: readonly string[]): Issue[] {
  return issues.map((i) => {
    const m = /unknown option "([^"]+)"/.exec(i.message);
    if (!m || i.message.includes("did you mean")) return i;
    return { ...i, message: i.message.replace(m[0], `${m[0]}${hint(m[1]!, candidates)}`) };
  });
}
