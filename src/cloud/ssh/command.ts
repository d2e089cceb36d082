// Remote command lines. sshd hands the command string to the login shell (`$SHELL -c …`), so
// every argv word must be quoted for a POSIX shell; `become` wraps the whole line in
// `sudo -n … /bin/sh -c '…'`, which is one more level of the same quoting.
import { randomBytes } from "node:crypto";
import { UsageError } from "../../errors.js";

// Words made only of these need no quotes in any POSIX shell (no globbing, no expansion).
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quote one word for a POSIX shell: single quotes, with each `'` written as `'\''`. Inside
 * single quotes nothing is special (`$`, backticks, `"`, `\`, newlines stay literal).
 */
export function quoteShellArg(word: string): string {
  if (word !== "" && SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function quoteShellArgs(argv: readonly string[]): string {
  return argv.map(quoteShellArg).join(" ");
}

/**
 * Quote a path pattern so that only `*`, `?` and `[…]` stay special: every other character is
 * escaped, so a pattern can glob but never expand `$(…)` or split on spaces.
 */
export function quoteGlob(pattern: string): string {
  let out = "";
  for (const c of pattern) {
    if ("*?[]".includes(c) || /[A-Za-z0-9_]/.test(c)) out += c;
    // A backslash before a newline would be a line continuation: quote the newline instead.
    else if (c === "\n") out += "'\n'";
    else out += `\\${c}`;
  }
  return out;
}

export interface RemoteCommandSpec {
  /** A program and its arguments, each quoted (the `command` module). */
  argv?: readonly string[];
  /** Shell text run as is (the `shell` module); with `executable`, run by that shell with -c. */
  script?: string;
  executable?: string;
  /** Change to this directory first; the command does not run if that fails. */
  cwd?: string;
  env?: Readonly<Record<string, string>>;
  /** Run through `sudo -n` (never prompts: a password requirement is a failed command). */
  become?: boolean;
  /** sudo's `-u`, default root. */
  becomeUser?: string;
}

export interface RemoteCommand {
  /** The exact string sent in the SSH exec request. */
  line: string;
  /** Printed first on stdout once sudo has started the shell, so a sudo refusal is recognisable. */
  becomeMarker?: string;
}

/** Build the command line for an exec request. Throws UsageError for an invalid env name. */
export function buildRemoteCommand(spec: RemoteCommandSpec): RemoteCommand {
  const becomeMarker = spec.become ? `ROLLCALL-BECOME-${randomBytes(8).toString("hex")}` : undefined;
  const prefix: string[] = becomeMarker ? [`echo ${becomeMarker}`] : [];
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    if (!ENV_NAME.test(name))
      throw new UsageError(`invalid environment variable name ${JSON.stringify(name)}`);
    prefix.push(`export ${name}=${quoteShellArg(value)}`);
  }
  if (spec.cwd !== undefined) prefix.push(`cd ${quoteShellArg(spec.cwd)}`);
  // `&&` so a failed cd or export never runs the command in the wrong place.
  const inner = [...prefix, commandBody(spec, prefix.length > 0)].join(" && ");
  if (!becomeMarker) return { line: inner };
  // -H: the target user's HOME, like Ansible's sudo become. `--` ends sudo's own options.
  const line = quoteShellArgs([
    "sudo",
    "-n",
    "-H",
    "-u",
    spec.becomeUser ?? "root",
    "--",
    "/bin/sh",
    "-c",
    inner,
  ]);
  return { line, becomeMarker };
}

function commandBody(spec: RemoteCommandSpec, prefixed: boolean): string {
  if (spec.argv !== undefined) {
    if (spec.argv.length === 0) throw new UsageError("empty command");
    return quoteShellArgs(spec.argv);
  }
  if (spec.script === undefined) throw new UsageError("a command needs argv or script");
  if (spec.executable !== undefined) return quoteShellArgs([spec.executable, "-c", spec.script]);
  // Grouped (the newline ends a trailing comment) so a multi-line script is one operand of `&&`.
  return prefixed ? `{ ${spec.script.trim() === "" ? ":" : spec.script}\n}` : spec.script;
}
