// script: copy a local script to the host (a private temp dir), run it with its arguments, then
// remove it. `creates`/`removes` are checked on the host first; `chdir` is where it runs.
import { z } from "zod";
import { splitShellWords } from "../../config/shlex.js";
import { readLocalSource } from "./local-source.js";
import { str } from "./params.js";
import { formatDelta, formatTimestamp } from "./time.js";
import type { ModuleDef, ModuleResult } from "./types.js";

const params = z.strictObject({
  /** The script's local path, then its arguments (shell words). */
  cmd: str(),
  chdir: str().optional(),
  creates: str().optional(),
  removes: str().optional(),
  /** Run the script with this interpreter (e.g. python3) instead of its shebang. */
  executable: str().optional(),
});

export const scriptModule: ModuleDef<z.output<typeof params>> = {
  name: "script",
  params,
  freeForm: "cmd",
  paramAliases: { _raw_params: "cmd" },
  checkMode: "supported",
  async run(p, ctx): Promise<ModuleResult> {
    let words: string[];
    try {
      words = splitShellWords(p.cmd);
    } catch (err) {
      return { failed: true, msg: `cannot split the script arguments: ${(err as Error).message}` };
    }
    const [name, ...args] = words;
    if (!name) return { failed: true, msg: "no script given" };
    const conn = await ctx.connection();
    if (!conn.runScript) return { failed: true, msg: `script is not supported on a ${conn.kind} connection` };
    if (p.creates && (await conn.pathExists(p.creates, p.chdir))) {
      return { changed: false, rc: 0, stdout: `skipped, since ${p.creates} exists`, msg: "" };
    }
    if (p.removes && !(await conn.pathExists(p.removes, p.chdir))) {
      return { changed: false, rc: 0, stdout: `skipped, since ${p.removes} does not exist`, msg: "" };
    }
    const source = await readLocalSource(name, ctx);
    if (typeof source === "string") return { failed: true, msg: source };
    if (ctx.checkMode) {
      // A script cannot say what it would do: only creates/removes make check mode meaningful.
      return p.creates !== undefined || p.removes !== undefined
        ? { changed: true, msg: "Script would have run if not in check mode" }
        : {
            changed: false,
            skipped: true,
            msg: "Check mode is not supported for script without creates or removes",
          };
    }
    const start = ctx.now();
    const out = await conn.runScript(source.content, args, {
      signal: ctx.signal,
      ...(Object.keys(ctx.environment).length > 0 ? { env: ctx.environment } : {}),
      ...(p.chdir ? { cwd: p.chdir } : {}),
      ...(p.executable ? { executable: p.executable } : {}),
    });
    const end = ctx.now();
    if (out.spawnError) return { changed: false, rc: out.rc, failed: true, msg: out.spawnError };
    const result: ModuleResult = {
      changed: true,
      rc: out.rc,
      stdout: out.stdout,
      stderr: out.stderr,
      stdout_lines: lines(out.stdout),
      stderr_lines: lines(out.stderr),
      start: formatTimestamp(start),
      end: formatTimestamp(end),
      delta: formatDelta(end - start),
    };
    if (out.rc !== 0) return { ...result, failed: true, msg: "non-zero return code" };
    return result;
  },
};

function lines(text: string): string[] {
  const trimmed = text.replace(/\r?\n$/, "");
  return trimmed ? trimmed.split(/\r?\n/) : [];
}
