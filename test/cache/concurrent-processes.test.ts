// Ten real node processes write the same cache file at the same moment. The cache modules are
// transpiled (no type check) into a temp dir whose node_modules links to the repo's, so the
// children import plain JS with no loader and no build step.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "rollcall-cache-procs-"));
  await mkdir(join(root, "cache"));
  for (const name of ["file-store", "source-cache"]) {
    const source = await readFile(join(repo, "src/cache", `${name}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(root, "cache", `${name}.js`), outputText);
  }
  await symlink(join(repo, "node_modules"), join(root, "node_modules"), "dir");
  await writeFile(join(root, "package.json"), '{"type":"module"}');
  await writeFile(
    join(root, "child.mjs"),
    `import { openSourceCache } from "./cache/source-cache.js";
const [dir, id, startAt] = process.argv.slice(2);
const cache = await openSourceCache({ dir, onError: (e) => { console.error(String(e)); process.exitCode = 1; } });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
for (let j = 0; j < 5; j++) {
  const ok = await cache.set(\`p\${id}-k\${j}\`, { id, j, payload: "x".repeat(20000) }, 60000);
  if (!ok) process.exitCode = 1;
}
`,
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function runChild(
  dir: string,
  id: number,
  startAt: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, "child.mjs"), dir, String(id), String(startAt)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stderr }));
  });
}

describe("cache file under concurrent processes", () => {
  it("ten processes writing at once leave one valid file holding every key", async () => {
    const dir = join(root, "xdg", "rollcall");
    const startAt = Date.now() + 1500; // all children loaded and waiting by then
    const results = await Promise.all(Array.from({ length: 10 }, (_, id) => runChild(dir, id, startAt)));
    for (const r of results) expect(r).toEqual({ code: 0, stderr: "" });

    const doc = JSON.parse(await readFile(join(dir, "inventory-cache.json"), "utf8"));
    const keys = new Set(doc.cache.map((entry: [string]) => entry[0]));
    for (let id = 0; id < 10; id++) {
      for (let j = 0; j < 5; j++) expect(keys.has(`rollcall:p${id}-k${j}`)).toBe(true);
    }
    expect(await readdir(dir)).toEqual(["inventory-cache.json"]);
  });
});
