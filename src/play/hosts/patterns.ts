// Ansible host patterns: `all`, `*`, groups, hosts, globs, `~regex`, subscripts `web[0:2]`, and
// the operators `a:b` / `a,b` (union), `a:&b` (intersection), `a:!b` (exclusion).
import { isIP } from "node:net";
import { didYouMean } from "../../errors.js";
import { globMatcher } from "../../inventory/glob.js";
import { addImplicitLocalhost, IMPLICIT_LOCALHOST, type InventoryView, isLocalName } from "./inventory.js";

interface Term {
  op: "" | "&" | "!";
  name: string;
  subscript?: { start: number; end?: number; single: boolean };
}

/**
 * A pattern's terms. Fails closed: anything the grammar does not describe is a problem, never
 * dropped. (Ansible's own splitter silently drops what it cannot read, so `kafka-prod[0` is the
 * two terms "kafka-prod" and "0" there, and `~[` the empty regex: every host.)
 *
 *   pattern   := term ("," term)*  |  term (":" term)*     (a comma anywhere selects the first)
 *   term      := ["&" | "!"] name [subscript]  |  ["&" | "!"] "~" regex
 *   subscript := "[" (N | N ":" [N] | ":" N | N "-" [N]) "]"  at the end of the term
 *
 * In the ":" form, brackets group (`web[0:2]:db`); whitespace may surround separators but not
 * sit inside a term (`kafka prod` is an error, not two groups). A term in the "," form is taken
 * whole, so a group whose name has spaces can be named there ("kafka prod," is that one group).
 */
export function parsePattern(pattern: string): { terms: Term[] } | { problem: string } {
  if (!pattern.trim()) return { problem: "empty host pattern" };
  const control = [...pattern].find((c) => isControl(c));
  if (control !== undefined) {
    return { problem: `control character ${JSON.stringify(control)} in host pattern ${quote(pattern)}` };
  }
  const raw = splitTerms(pattern);
  if (typeof raw === "string") return { problem: raw };
  const terms: Term[] = [];
  for (const t of raw) {
    const term = parseTerm(t);
    if (typeof term === "string") return { problem: term };
    terms.push(term);
  }
  return { terms };
}

/** The pattern's terms as written (operators and subscripts included); throws on a bad pattern. */
export function splitPattern(pattern: string): string[] {
  const raw = splitTerms(pattern);
  if (typeof raw === "string") throw new Error(raw);
  return raw;
}

/** A syntax problem in a pattern, or undefined. */
export function patternProblem(pattern: string): string | undefined {
  const parsed = parsePattern(pattern);
  return "problem" in parsed ? parsed.problem : undefined;
}

function splitTerms(pattern: string): string[] | string {
  const whole = pattern.trim();
  // An IPv6 address is one host, though it is full of colons.
  if (isIP(whole.replace(/^[&!]/, "")) === 6) return [whole];
  if (whole.includes(",")) return splitOnCommas(pattern);
  const terms: string[] = [];
  let current = "";
  let spaceAfterTerm = false;
  let expectTerm = true;
  for (let i = 0; i < whole.length; i++) {
    const c = whole[i]!;
    if (c === ":") {
      if (expectTerm) return `empty term in host pattern ${quote(pattern)}`;
      terms.push(current);
      current = "";
      spaceAfterTerm = false;
      expectTerm = true;
    } else if (/\s/.test(c)) {
      if (current) spaceAfterTerm = true;
    } else {
      if (spaceAfterTerm) {
        return `space inside a term of host pattern ${quote(pattern)}: separate terms with ":" or ",", or end a name that has spaces with "," ("kafka prod,")`;
      }
      if (c === "]") return `unmatched "]" in host pattern ${quote(pattern)}`;
      if (c === "[") {
        const close = whole.indexOf("]", i + 1);
        if (close < 0) return `unclosed "[" in host pattern ${quote(pattern)}`;
        current += whole.slice(i, close + 1);
        i = close;
      } else current += c;
      expectTerm = false;
    }
  }
  if (expectTerm) return `empty term in host pattern ${quote(pattern)}`;
  terms.push(current);
  return terms;
}

function splitOnCommas(pattern: string): string[] | string {
  const terms = pattern.split(",").map((t) => t.trim());
  // One trailing comma is Ansible's way to write a one-item list ("kafka prod,").
  if (terms.length > 1 && terms.at(-1) === "") terms.pop();
  if (terms.some((t) => t === "")) return `empty term in host pattern ${quote(pattern)}`;
  for (const t of terms) {
    // A ":" outside brackets means the two separators were mixed: which one was meant is a guess.
    if (t.replace(/\[[^\]]*\]/g, "").includes(":") && isIP(t.replace(/^[&!]/, "")) !== 6) {
      return `host pattern ${quote(pattern)} mixes "," and ":" between terms: use one of them`;
    }
  }
  return terms;
}

function parseTerm(raw: string): Term | string {
  const op = raw[0] === "&" || raw[0] === "!" ? (raw[0] as "&" | "!") : "";
  let name = op ? raw.slice(1) : raw;
  if (!name) return `${quote(raw)} needs a group or host name after "${op}"`;
  if (name[0] === "&" || name[0] === "!") return `two operators in host pattern term ${quote(raw)}`;
  if (name.startsWith("~")) {
    if (name.length === 1)
      return `empty regular expression in host pattern term ${quote(raw)} (it would match every host)`;
    try {
      new RegExp(name.slice(1));
    } catch (err) {
      return `invalid regular expression in host pattern term ${quote(raw)}: ${(err as Error).message}`;
    }
    return { op, name };
  }
  let subscript: Term["subscript"];
  const sub = /^(.*?)\[([^\]]*)\]$/.exec(name);
  if (sub) {
    const parsed = parseSubscript(sub[2]!);
    if (typeof parsed === "string") return `${parsed} in host pattern term ${quote(raw)}`;
    name = sub[1]!;
    if (!name) return `the subscript in ${quote(raw)} needs a group or host name before it`;
    subscript = parsed;
  }
  const open = (name.match(/\[/g) ?? []).length;
  if (open !== (name.match(/\]/g) ?? []).length || /\[[^\]]*\[/.test(name)) {
    return `unbalanced brackets in host pattern term ${quote(raw)}`;
  }
  return subscript ? { op, name, subscript } : { op, name };
}

/** Ansible's subscripts: [N] (negative counts from the end), inclusive [N:M], [N:], [:M], [N-M]. */
function parseSubscript(text: string): Term["subscript"] | string {
  const single = /^\s*(-?\d+)\s*$/.exec(text);
  const range = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*$/.exec(text) ?? /^\s*(\d+)\s*-\s*(\d+)?\s*$/.exec(text);
  if (!single && !range) return `invalid subscript "[${text}]" (expected [N], [N:M], [N:] or [:M])`;
  const numbers = (single ? [single[1]] : [range![1], range![2]]).map((n) =>
    n === undefined ? undefined : Number(n),
  );
  if (numbers.some((n) => n !== undefined && !Number.isSafeInteger(n)))
    return `subscript "[${text}]" is too large`;
  if (single) return { start: numbers[0]!, single: true };
  const [start, end] = numbers;
  if (start === undefined && end === undefined) return `empty subscript range "[${text}]"`;
  if (start !== undefined && end !== undefined && start >= 0 === end >= 0 && end < start) {
    return `subscript "[${text}]" ends before it starts`;
  }
  return { start: start ?? 0, end, single: false };
}

/** C0 controls and DEL, except tab and newline (whitespace, handled as such). */
function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code < 0x20 && c !== "\t" && c !== "\n") || code === 0x7f;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export interface PatternMatch {
  hosts: string[];
  /** Terms that matched nothing (Ansible warns and carries on). */
  warnings: string[];
}

/** Hosts matching a (syntactically valid) pattern, in the order ansible-playbook runs them. */
export function matchPattern(pattern: string, view: InventoryView): PatternMatch {
  const parsed = parsePattern(pattern);
  // Callers check patternProblem first; a pattern that does not parse never matches anything.
  if ("problem" in parsed) throw new Error(parsed.problem);
  const terms = parsed.terms;
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
  // fnmatch, as Ansible: `*` matches any name, "/" and newlines included.
  const glob = /[*?[]/.test(name) ? globMatcher(name) : undefined;
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
