// What a command needs from the outside world. Only `cli/` builds one of these from the real
// process; everything below receives the pieces it needs as plain values.
import { fstatSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ExitCode } from "../errors.js";
import type { LoadInventory, PlaySessionIo } from "../play/session.js";

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  stdout: (text: string) => void;
  /** Bytes as they are (the cached inventory), when the context can write them without decoding. */
  stdoutBytes?: (bytes: Uint8Array) => void;
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
    stdout: (text) => stdoutStream().write(text),
    stdoutBytes: writeStdoutBytes,
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: isTerminal(1),
    stderrIsTTY: isTerminal(2),
    exitCode: ExitCode.ok,
  };
}

/**
 * Only a character device can be a terminal. Asking process.stdout/stderr.isTTY creates the
 * stream (and loads tty and net): start-up time the lean inventory path would otherwise not pay
 * when Ansible gives it pipes.
 */
function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
}

let stdoutReady = false;

function stdoutStream(): NodeJS.WriteStream {
  if (!stdoutReady) {
    stdoutReady = true;
    // `rollcall inventory --list | head`: a closed pipe is the reader's choice, not an error.
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? ExitCode.ok);
      throw err;
    });
  }
  return process.stdout;
}

/** Bytes straight to fd 1 (synchronously, as stdout is for files and pipes on Linux anyway). */
function writeStdoutBytes(bytes: Uint8Array): void {
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset, bytes.length - offset);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A non-blocking stdout: the stream knows how to wait for it.
    if (code === "EAGAIN") stdoutStream().write(bytes.subarray(offset));
    else if (code !== "EPIPE") throw err;
  }
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
