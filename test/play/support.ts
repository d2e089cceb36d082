// Shared test helpers: an in-memory CLI context, temp playbooks, and running `rollcall play`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliContext, PlaySeams } from "../../src/cli/context.js";
import { runCli } from "../../src/cli/main.js";
import type { PlayEvent } from "../../src/play/events.js";

export interface MemoryContext extends CliContext {
  out: string[];
  err: string[];
}

export function memoryContext(cwd: string, env: Record<string, string> = {}, tty = false): MemoryContext {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env,
    cwd,
    homeDir: cwd,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdoutIsTTY: tty,
    exitCode: 0,
    out,
    err,
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "rollcall-play-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface PlayRun {
  code: number;
  stdout: string;
  stderr: string;
  events: PlayEvent[];
}

/** Write `playbook` as play.yml in `dir` and run `rollcall play play.yml …args` in-process. */
export async function play(
  dir: string,
  playbook: string,
  args: string[] = [],
  deps: PlaySeams = {},
  env: Record<string, string> = {},
  tty = false,
): Promise<PlayRun> {
  await writeFile(join(dir, "play.yml"), playbook);
  const ctx = memoryContext(dir, env, tty);
  const code = await runCli(["play", "play.yml", ...args], ctx, { play: { showElapsed: false, ...deps } });
  const stdout = ctx.out.join("");
  const events = args.includes("--json")
    ? stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as PlayEvent)
    : [];
  return { code, stdout, stderr: ctx.err.join(""), events };
}
