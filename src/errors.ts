// The error taxonomy. Everything below `cli/` throws (or returns) these; `cli/main.ts` is the
// one place that turns them into a single stderr line and an exit code.

/**
 * Exit codes, ansible-playbook's wherever it has one (docs/exit-codes.md is the table): a wrapper
 * written for ansible-playbook reads rollcall's the same way. Only 3 is rollcall's own.
 */
export const ExitCode = {
  ok: 0,
  /**
   * Ansible's generic error: a file or directory named on the command line cannot be read, an
   * inventory script fails, --limit leaves no host, a port is taken.
   */
  error: 1,
  /** A play ran and at least one host failed (Ansible's 2). */
  hostsFailed: 2,
  /** The command line is wrong: unknown option, bad value, missing argument (argparse's 2). */
  usage: 2,
  /** A remote API (Spotinst, AWS) failed after retries. rollcall's own. */
  remote: 3,
  /** A play ran and a host was unreachable (Ansible's 4, also when other hosts failed). */
  unreachable: 4,
  /**
   * A file does not parse or validate: playbook, inventory, config, fleet, vars file (Ansible's
   * parser error, 4). Nothing was run.
   */
  badInput: 4,
  /** An option's value is wrong: -e data that is not a mapping (Ansible's AnsibleOptionsError). */
  badOption: 5,
  /** Stopped by Ctrl-C / SIGTERM (Ansible's "User interrupted execution"). */
  interrupted: 99,
  /** An unexpected bug (Ansible's 250): the only case that prints a stack, and only with --debug. */
  internal: 250,
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
  /**
   * The exit code when the issue is not a file's content being wrong (4): ExitCode.error for a
   * file that cannot be read or a --limit that leaves no host, ExitCode.badOption for -e data
   * that is not a mapping.
   */
  exitCode?: number;
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

/** A mistake on the command line: unknown option, bad value, missing argument. Exit 2. */
export class UsageError extends RollcallError {
  readonly issues: Issue[];
  constructor(issues: Issue[] | string, exitCode: number = ExitCode.usage) {
    const list = typeof issues === "string" ? [{ message: issues }] : issues;
    super(summarize(list), exitCode);
    this.issues = list;
  }
}

/**
 * A file the user gave is wrong: playbook, inventory, config, fleet or vars file (exit 4), or
 * something else its first issue gives the code of (a file that cannot be read: 1).
 */
export class InputError extends UsageError {
  constructor(issues: Issue[] | string) {
    const list = typeof issues === "string" ? [{ message: issues }] : issues;
    super(list, list[0]?.exitCode ?? ExitCode.badInput);
  }
}

/** Something the run needs is not there (a file, a host to target, a free port). Exit 1. */
export class SetupError extends RollcallError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.error, options);
  }
}

// One line on stderr: the first issue, with a count of the rest.
function summarize(list: Issue[]): string {
  const first = list[0] ? formatIssue(list[0]) : "invalid input";
  const more = list.length > 1 ? ` (and ${list.length - 1} more problem${list.length > 2 ? "s" : ""})` : "";
  return first + more;
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
