// command / shell: run a program where the host's connection says (locally, or on the host over
// SSH with `connection: ssh`; the transport quotes argv for the remote shell) and return
// Ansible's rc/stdout/stderr result. `command` never uses a shell; `shell` (see shell.ts) does.
import { z } from "zod";
import { splitShellWords } from "../../config/shlex.js";
import type { Connection } from "../connection/connection.js";
import { bool, str, strMap } from "./params.js";
import { formatDelta, formatTimestamp } from "./time.js";
import type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";

export const commandParamShape = {
  cmd: str().optional(),
  argv: z.array(str()).optional(),
  chdir: str().optional(),
  creates: str().optional(),
  removes: str().optional(),
  stdin: str().optional(),
  stdin_add_newline: bool().optional(),
  strip_empty_ends: bool().optional(),
  /** rollcall extension: variables added to the command's environment. */
  env: strMap().optional(),
};
const params = z.strictObject(commandParamShape);
export type CommandParams = z.output<typeof params> & { executable?: string };

export const commandModule: ModuleDef<CommandParams> = {
  name: "command",
  params,
  freeForm: "cmd",
  paramAliases: { _raw_params: "cmd" },
  checkMode: "supported",
  run: (p, ctx) => runCommand(p, ctx, false),
};

export async function runCommand(
  p: CommandParams,
  ctx: ModuleContext,
  shell: boolean,
): Promise<ModuleResult> {
  const r: ModuleResult = {
    changed: false,
    stdout: "",
    stderr: "",
    rc: null,
    cmd: null,
    start: null,
    end: null,
  };
  r.delta = null;
  r.msg = "";
  const raw = p.cmd?.trim() ? p.cmd : undefined;
  if (!raw && !p.argv?.length) return { ...r, rc: 256, failed: true, msg: "no command given" };
  if (raw && p.argv?.length)
    return { ...r, rc: 256, failed: true, msg: "only command or argv can be given, not both" };
  let argv: string[] | undefined;
  if (!shell) {
    try {
      argv = raw ? splitShellWords(raw) : p.argv;
    } catch (err) {
      return { ...r, rc: 256, failed: true, msg: `cannot split the command: ${(err as Error).message}` };
    }
  }
  r.cmd = shell ? (raw ?? p.argv?.join(" ")) : argv;
  const conn = await ctx.connection();
  const cwd = p.chdir;
  const before = await notRunning(p, ctx, conn, r);
  if (before) return before;
  const stdin = p.stdin === undefined ? undefined : p.stdin + (p.stdin_add_newline === false ? "" : "\n");
  const start = ctx.now();
  const out = await conn.exec({
    ...(shell ? { script: raw ?? p.argv?.join(" ") ?? "", executable: p.executable } : { argv }),
    cwd,
    // The task's `environment:`, then the module's own `env:`.
    env: { ...ctx.environment, ...p.env },
    stdin,
    signal: ctx.signal,
  });
  const end = ctx.now();
  if (out.spawnError) return { ...r, rc: out.rc, failed: true, msg: out.spawnError };
  const strip = p.strip_empty_ends !== false;
  const stdout = strip ? out.stdout.replace(/[\r\n]+$/, "") : out.stdout;
  const stderr = strip ? out.stderr.replace(/[\r\n]+$/, "") : out.stderr;
  const result: ModuleResult = {
    ...r,
    changed: true,
    rc: out.rc,
    stdout,
    stderr,
    stdout_lines: stdout ? stdout.split(/\r?\n/) : [],
    stderr_lines: stderr ? stderr.split(/\r?\n/) : [],
    start: formatTimestamp(start),
    end: formatTimestamp(end),
    delta: formatDelta(end - start),
  };
  if (out.rc !== 0) return { ...result, failed: true, msg: "non-zero return code" };
  return result;
}

/** chdir missing, creates/removes already satisfied, or check mode: the result without running. */
async function notRunning(
  p: CommandParams,
  ctx: ModuleContext,
  conn: Connection,
  r: ModuleResult,
): Promise<ModuleResult | undefined> {
  const cwd = p.chdir;
  if (cwd && !(await conn.pathExists(cwd))) {
    return {
      ...r,
      failed: true,
      msg: `Unable to change directory before execution: [Errno 2] No such file or directory: '${cwd}'`,
    };
  }
  const would = ctx.checkMode ? "Would" : "Did";
  if (p.creates && (await conn.pathExists(p.creates, cwd))) {
    return {
      ...r,
      rc: 0,
      stdout: `skipped, since ${p.creates} exists`,
      msg: `${would} not run command since '${p.creates}' exists`,
    };
  }
  if (p.removes && !(await conn.pathExists(p.removes, cwd))) {
    return {
      ...r,
      rc: 0,
      stdout: `skipped, since ${p.removes} does not exist`,
      msg: `${would} not run command since '${p.removes}' does not exist`,
    };
  }
  if (!ctx.checkMode) return undefined;
  const guarded = p.creates !== undefined || p.removes !== undefined;
  return {
    ...r,
    rc: 0,
    changed: guarded,
    msg: "Command would have run if not in check mode",
    ...(guarded ? {} : { skipped: true }),
  };
}
