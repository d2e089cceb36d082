// Where a module's local file (`script`'s script, `copy`'s src) is found: an absolute path as
// is; a relative one in the playbook's `files/` directory, then the playbook's directory, then
// the working directory (as Ansible searches, without roles).
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import type { ModuleContext } from "./types.js";

export interface LocalSource {
  path: string;
  content: Buffer;
}

/** The file and its content, or a message saying where it was looked for. */
export async function readLocalSource(name: string, ctx: ModuleContext): Promise<LocalSource | string> {
  const playbookDir = ctx.host.vars.playbook_dir;
  const candidates = isAbsolute(name)
    ? [name]
    : [
        ...(typeof playbookDir === "string"
          ? [join(playbookDir, "files", name), join(playbookDir, name)]
          : []),
        resolve(ctx.services.cwd, name),
      ];
  for (const path of candidates) {
    const st = await stat(path).catch(() => undefined);
    if (!st) continue;
    if (!st.isFile()) return `Could not find or access '${name}': ${path} is not a regular file`;
    try {
      return { path, content: await readFile(path) };
    } catch (err) {
      return `Could not read '${name}' (${path}): ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  }
  return `Could not find or access '${name}' on the controller (searched: ${[...new Set(candidates)].join(", ")})`;
}
