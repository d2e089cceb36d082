// What a command needs from the outside world. Only `cli/` builds one of these from the real
// process; everything below receives the pieces it needs as plain values.
import { homedir } from "node:os";
import { join } from "node:path";
import { ExitCode } from "../errors.js";
import type { LoadInventory, PlaySessionIo } from "../play/session.js";

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
    exitCode: ExitCode.ok,
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

/**
 * What tests (and the demo) replace when they run a command in-process through `runCli`. The real
 * process never sets these.
 */
export interface CliSeams {
  play?: PlaySeams;
}

export interface PlaySeams {
  loadInventory?: LoadInventory;
  services?: PlaySessionIo["services"];
  /** Aborting it is a first Ctrl-C. */
  signal?: AbortSignal;
  now?: () => number;
  random?: () => number;
  /** Terminal width for banners (default: the real terminal's). */
  columns?: number;
  /** Print the total run time after the recap (default true). */
  showElapsed?: boolean;
  /** A second Ctrl-C: leave at once (default process.exit). */
  exitNow?: (code: number) => void;
}
