// The error taxonomy. Everything below `cli/` throws (or returns) these; `cli/main.ts` is the
// one place that turns them into a single stderr line and an exit code.

/** Exit codes. 0/2/4 for plays follow Ansible; the rest are rollcall's own. */
export const ExitCode = {
  ok: 0,
  /** An unexpected bug: the only case that prints a stack (and only with --debug). */
  internal: 1,
  /** Bad command line, config file, fleet file or play: nothing was run. */
  usage: 2,
  /** A play ran and at least one host failed (Ansible's 2). */
  hostsFailed: 2,
  /** A remote API (Spotinst, AWS) failed after retries. */
  remote: 3,
  /** A play ran and a host was unreachable, none failed (Ansible's 4). */
  unreachable: 4,
  /** Stopped by Ctrl-C / SIGTERM. */
  interrupted: 130,
} as const;

export interface SourcePosition {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
}

/** A user mistake, returned as data by validators; many can be collected before failing. */
export interface Issue {
  message: string;
  at?: SourcePosition;
}

export function formatPosition(at: SourcePosition | undefined): string {
  return at ? `${at.file}:${at.line}:${at.col}: ` : "";
}

export function formatIssue(issue: Issue): string {
  return formatPosition(issue.at) + issue.message;
}

export class RollcallError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad input from the user: arguments, config, fleet or play files. Exit 2. */
export class UsageError extends RollcallError {
  readonly issues: Issue[];
  constructor(issues: Issue[] | string) {
    const list = typeof issues === "string" ? [{ message: issues }] : issues;
    // One line on stderr: the first issue, with a count of the rest.
    const first = list[0] ? formatIssue(list[0]) : "invalid input";
    const more = list.length > 1 ? ` (and ${list.length - 1} more problem${list.length > 2 ? "s" : ""})` : "";
    super(first + more, ExitCode.usage);
    this.issues = list;
  }
}

export interface RemoteErrorData {
  /** "spotinst", "ec2", "autoscaling", "sqs", "ssh" */
  service: string;
  /** What we were doing, e.g. "GET /aws/ec2/group" or "DescribeInstances". */
  operation: string;
  status?: number;
  requestId?: string;
  /** The API's own error code (errors[].code, AWS Code). */
  code?: string;
  /** The API's own message, already redacted. */
  apiMessage?: string;
  /** Which configured source failed, when known. */
  source?: string;
}

/** A remote API failed after retries. Exit 3. Never carries a secret. */
export class RemoteError extends RollcallError {
  readonly data: RemoteErrorData;
  constructor(data: RemoteErrorData, options?: { cause?: unknown }) {
    super(describeRemote(data), ExitCode.remote, options);
    this.data = data;
  }

  withSource(source: string): RemoteError {
    if (this.data.source) return this;
    return new RemoteError({ ...this.data, source }, { cause: this.cause });
  }
}

function describeRemote(d: RemoteErrorData): string {
  const parts = [`${d.source ? `source ${d.source}: ` : ""}${d.service} ${d.operation} failed`];
  if (d.status !== undefined) parts.push(`HTTP ${d.status}`);
  if (d.code) parts.push(d.code);
  let text = parts.join(": ");
  if (d.apiMessage) text += `: ${d.apiMessage}`;
  if (d.requestId) text += ` (request ${d.requestId})`;
  return text;
}

/** The run was interrupted by the user (Ctrl-C). */
export class InterruptedError extends RollcallError {
  constructor(message = "interrupted") {
    super(message, ExitCode.interrupted);
  }
}

const REDACTED = "[REDACTED]";

/**
 * Remove every occurrence of the given secrets (and any Bearer token) from a text.
 * Secrets shorter than 4 characters are ignored: redacting "a" would mangle everything.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${REDACTED}`);
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestScore <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s ? ` (did you mean "${s}"?)` : "";
}

// Optimal-string-alignment distance: a swapped pair of letters ("whne" → "when") counts as one edit.
function editDistance(a: string, b: string): number {
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

/** Add a hint to `unknown option "x"` issues that came without one. */
export function withHints(issues: Issue[], candidates: readonly string[]): Issue[] {
  return issues.map((i) => {
    const m = /unknown option "([^"]+)"/.exec(i.message);
    if (!m || i.message.includes("did you mean")) return i;
    return { ...i, message: i.message.replace(m[0], `${m[0]}${didYouMean(m[1]!, candidates)}`) };
  });
}
