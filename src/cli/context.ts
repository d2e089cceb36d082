// What a command needs from the outside world. Only `cli/` builds one of these from the real
// process; everything below receives the pieces it needs as plain values.
import { homedir } from "node:os";
import { join } from "node:path";

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  /** Where live progress (countdowns) may be drawn. */
  stderrIsTTY?: boolean;
  /** Set by a command that finished with a non-zero outcome but no error (e.g. failed hosts). */
  exitCode: number;
}

export function createProcessContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    homeDir: homedir(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    exitCode: 0,
  };
}

/** $XDG_CACHE_HOME/rollcall, default ~/.cache/rollcall. */
export function cacheDirOf(ctx: Pick<CliContext, "env" | "homeDir">): string {
  return join(ctx.env.XDG_CACHE_HOME || join(ctx.homeDir, ".cache"), "rollcall");
}

/** $XDG_STATE_HOME/rollcall, default ~/.local/state/rollcall. */
export function stateDirOf(ctx: Pick<CliContext, "env" | "homeDir">): string {
  return join(ctx.env.XDG_STATE_HOME || join(ctx.homeDir, ".local", "state"), "rollcall");
}
