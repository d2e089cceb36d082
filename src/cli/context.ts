// What a command needs from the outside world. Only `cli/` builds one of these from the real
// process; everything below receives the pieces it needs as plain values.
import { homedir } from "node:os";
import { join } from "node:path";

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  stdout: (text: string) => void;
  /** Bytes as they are (the cached inventory), when the context can write them without decoding. */
  stdoutBytes?: (bytes: Uint8Array) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  /** Set by a command that finished with a non-zero outcome but no error (e.g. failed hosts). */
  exitCode: number;
}

export function createProcessContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    homeDir: homedir(),
    stdout: (text) => process.stdout.write(text),
    stdoutBytes: (bytes) => process.stdout.write(bytes),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
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
