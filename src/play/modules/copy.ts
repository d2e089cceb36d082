// copy: put `content` or a local `src` file at `dest` where the host's tasks run (SFTP over SSH,
// the file system locally), atomically. Idempotent: `changed` only when the content or the mode
// differs; check mode compares without writing.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { z } from "zod";
import { readLocalSource } from "./local-source.js";
import { bool, str } from "./params.js";
import type { ModuleDef, ModuleResult } from "./types.js";

const params = z.strictObject({
  /** Text to write; a mapping or list is written as JSON (as Ansible does). */
  content: z.unknown().optional(),
  /** A local file (absolute, or in the playbook's files/ or directory). */
  src: str().optional(),
  dest: str(),
  /** Octal permission bits: "0644", "644" or, as YAML 1.2 reads 0644, the number 644. */
  mode: z.union([z.string(), z.number()]).optional(),
  /** false: leave an existing dest alone, whatever its content. */
  force: bool().optional(),
});
type CopyParams = z.output<typeof params>;

export const copyModule: ModuleDef<CopyParams> = {
  name: "copy",
  params,
  checkMode: "supported",
  check(p) {
    if (p.content !== undefined && p.src !== undefined) return "src and content are mutually exclusive";
    if (p.content === undefined && p.src === undefined) return "src (or content) is required";
    if (p.content !== undefined && p.dest.endsWith("/")) return "can not use content with a dir as dest";
    if (p.mode !== undefined && parseMode(p.mode) === undefined)
      return `mode must be octal permission bits like "0644", got ${JSON.stringify(p.mode)}`;
    return undefined;
  },
  async run(p, ctx): Promise<ModuleResult> {
    let data: Buffer;
    let dest = p.dest;
    const result: ModuleResult = { changed: false };
    if (p.src !== undefined) {
      const source = await readLocalSource(p.src, ctx);
      if (typeof source === "string") return { failed: true, msg: source };
      data = source.content;
      if (dest.endsWith("/")) dest = posix.join(dest, posix.basename(source.path));
      result.src = source.path;
    } else {
      const c = p.content;
      data = Buffer.from(typeof c === "string" ? c : JSON.stringify(c), "utf8");
    }
    const mode = p.mode === undefined ? undefined : parseMode(p.mode);
    const conn = await ctx.connection();
    if (!conn.fileState || !conn.writeFile) {
      return { failed: true, msg: `copy is not supported on a ${conn.kind} connection` };
    }
    Object.assign(result, { dest, size: data.length, checksum_sha256: sha256Of(data) });
    const before = await conn.fileState(dest);
    if (before.kind === "other") {
      return { ...result, failed: true, msg: `Destination ${dest} exists and is not a regular file` };
    }
    if (before.kind === "file" && p.force === false) {
      return { ...result, mode: octal(before.mode), state: "file", msg: "file already exists" };
    }
    if (ctx.checkMode) {
      const changed =
        before.kind === "absent" ||
        before.sha256 !== result.checksum_sha256 ||
        (mode !== undefined && before.mode !== mode);
      const finalMode = mode ?? (before.kind === "file" ? before.mode : 0o644);
      return { ...result, changed, mode: octal(finalMode), state: "file" };
    }
    const written = await conn.writeFile(dest, data, mode);
    return { ...result, changed: written.changed, mode: octal(written.mode), state: "file" };
  },
};

/** Octal permission bits from "0644"/"644"/"0o644" or the number YAML 1.2 makes of 0644. */
export function parseMode(mode: string | number): number | undefined {
  const text = String(mode).trim().replace(/^0o/i, "");
  if (!/^[0-7]{1,4}$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

function sha256Of(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
