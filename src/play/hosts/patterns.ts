// Ansible host patterns: `all`, `*`, groups, hosts, globs, `~regex`, subscripts `web[0:2]`, and

// the operators `a:b` / `a,b` (union), `a:&b` (intersection), `a:!b` (exclusion).
import picomatch from "picomatch";
import { didYouMean } from "../../errors.js";
import { addImplicitLocalhost, IMPLICIT_LOCALHOST, type InventoryView, isLocalName } from "./inventory.js";

interface Term {
  op: "" | "&" | "!";
  name: string;
  subscript?: { start: number; end?: number; single: boolean };
}

export function splitPattern(pattern: string): string[] {
  const parts = pattern.includes(",")
    ? pattern.split(",")
    : (pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? []);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** A syntax problem in a pattern, or undefined. */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern.trim()) return "empty host pattern";
  if (/[:,]\s*[:,]|[:,]\s*$|^\s*[:,]/.test(pattern)) return `empty term in host pattern "${pattern}"`;
  for (const raw of splitPattern(pattern)) {
    const t = parseTerm(raw);
    if (typeof t === "string") return t;
  }
  return undefined;
}

function parseTerm(raw: string): Term | string {
  const op = raw[0] === "&" || raw[0] === "!" ? (raw[0] as "&" | "!") : "";
  let name = op ? raw.slice(1) : raw;
  if (!name) return `"${raw}" needs a group or host name after "${op}"`;
  let subscript: Term["subscript"];
  const sub = /^(.*?)\[([^\]]*)\]$/.exec(name);
  if (sub && !name.startsWith("~")) {
    const m = /^\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/.exec(sub[2]!);
    if (!m || (m[1] === undefined && m[2] === undefined && !sub[2]!.includes(":"))) {
      return `invalid subscript "[${sub[2]}]" in host pattern term "${raw}"`;
    }
    name = sub[1]!;
    const single = !sub[2]!.includes(":");
    subscript = { start: Number(m[1] ?? 0), end: m[2] === undefined ? undefined : Number(m[2]), single };
  }
  if ((name.match(/\[/g) ?? []).length !== (name.match(/\]/g) ?? []).length) {
    return `unbalanced brackets in host pattern term "${raw}"`;
  }
  if (name.startsWith("~")) {
    try {
      new RegExp(name.slice(1));
    } catch (err) {
      return `invalid regular expression in host pattern term "${raw}": ${(err as Error).message}`;
    }
  }
  return { op, name, subscript };
}

export interface PatternMatch {
  hosts: string[];
  /** Terms that matched nothing (Ansible warns and carries on). */
  warnings: string[];
}

/** Hosts matching a (syntactically valid) pattern, in the order ansible-playbook runs them. */
export function matchPattern(pattern: string, view: InventoryView): PatternMatch {
  const terms = splitPattern(pattern).map((t) => parseTerm(t) as Term);
  // Ansible's order: unions first, then intersections, then exclusions; only negatives → all.
  const ordered = [
    ...terms.filter((t) => !t.op),
    ...terms.filter((t) => t.op === "&"),
    ...terms.filter((t) => t.op === "!"),
  ];
  if (ordered.length > 0 && ordered[0]!.op) ordered.unshift({ op: "", name: "all" });
  const warnings: string[] = [];
  let hosts: string[] = [];
  for (const term of ordered) {
    // As Ansible: a plain host name is that host, even when a group has the same name.
    const found =
      !term.op && !term.subscript && view.vars.has(term.name)
        ? [term.name]
        : applySubscript(matchTerm(term.name, view, warnings), term);
    if (term.op === "!") {
      const drop = new Set(found);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (term.op === "&") {
      const keep = new Set(found);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const seen = new Set(hosts);
      for (const h of found) {
        if (seen.has(h)) continue;
        seen.add(h);
        hosts.push(h);
      }
    }
  }
  return { hosts, warnings };
}

/**
 * Ansible's _enumerate_matches: the hosts of each matching group (groups in inventory order, see
 * play/hosts/order.ts), then matching host names. Duplicates stay until the subscript is applied,
 * as in Ansible, so `web*[0:2]` counts the list Ansible counts.
 */
function matchTerm(name: string, view: InventoryView, warnings: string[]): string[] {
  if (name === "all") return view.groupHosts.get("all") ?? [];
  const groups = [...view.groupHosts.keys()];
  const isRegex = name.startsWith("~");
  const glob = /[*?[]/.test(name) ? picomatch(name, { dot: true }) : undefined;
  const regex = isRegex ? new RegExp(`^(?:${name.slice(1)})`) : undefined;
  const test = (s: string): boolean => (regex ? regex.test(s) : glob ? glob(s) : s === name);
  const matchedGroups = groups.filter(test);
  const out: string[] = [];
  for (const g of matchedGroups) out.push(...(view.groupHosts.get(g) ?? []));
  if (matchedGroups.length === 0 || isRegex || /[.?*[]/.test(name)) {
    for (const h of view.order) if (test(h)) out.push(h);
  }
  if (out.length === 0 && isLocalName(name)) {
    addImplicitLocalhost(view);
    return [IMPLICIT_LOCALHOST];
  }
  if (out.length === 0 && matchedGroups.length === 0) {
    warnings.push(
      `Could not match supplied host pattern, ignoring: ${name}${didYouMean(name, [...groups, ...view.order])}`,
    );
  }
  return out;
}

function applySubscript(hosts: string[], term: Term): string[] {
  const s = term.subscript;
  if (!s) return hosts;
  const at = (i: number) => (i < 0 ? hosts.length + i : i);
  if (s.single) {
    const h = hosts[at(s.start)];
    return h === undefined ? [] : [h];
  }
  // Ansible's ranges include their end: web[0:2] is three hosts; and an end of 0 reads as no
  // end at all, so web[2:0] is the single host web[2].
  if (s.end === 0) return hosts[at(s.start)] === undefined ? [] : [hosts[at(s.start)]!];
  const end = s.end === undefined ? hosts.length - 1 : at(s.end);
  return hosts.slice(at(s.start), end + 1);
}
