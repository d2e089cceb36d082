// The command line that resumes an interrupted `rollcall play` run, printed after Ctrl-C and
// SIGTERM. Secret-looking -e values are not echoed: the user gives them again.
export interface ResumeArgs {
  playbook: string;
  inventory?: string;
  limit?: string;
  "extra-vars"?: string[];
  forks?: number;
}

export function resumeCommand(args: ResumeArgs): string {
  const parts = ["play", args.playbook];
  if (args.inventory !== undefined) parts.push("-i", args.inventory);
  if (args.limit !== undefined) parts.push("--limit", args.limit);
  for (const e of args["extra-vars"] ?? []) parts.push("-e", redactExtraVar(e));
  if (args.forks !== undefined && args.forks !== 5) parts.push("--forks", String(args.forks));
  parts.push("--resume");
  return parts.map(shellQuote).join(" ");
}

const SECRETISH = /token|secret|passw|private|credential|api_?key/i;

function redactExtraVar(e: string): string {
  if (!SECRETISH.test(e)) return e;
  const kv = /^([A-Za-z_][\w]*)=/.exec(e);
  return kv ? `${kv[1]}=<redacted: give the same value>` : "<redacted: give the same -e value>";
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
