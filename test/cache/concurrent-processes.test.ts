// Real node processes sharing one cache directory. The cache modules are transpiled (no type
// check) into a temp dir whose node_modules links to the repo's, so the children import plain JS
// with no loader and no build step.
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
  for (const name of await readdir(join(repo, "src/cache"))) {
    if (!name.endsWith(".ts")) continue;
    const source = await readFile(join(repo, "src/cache", name), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(root, "cache", name.replace(/\.ts$/, ".js")), outputText);
  }
  await symlink(join(repo, "node_modules"), join(root, "node_modules"), "dir");
  await writeFile(join(root, "package.json"), '{"type":"module"}');
  await writeFile(
    join(root, "writer.mjs"),
    `import { openSourceCache } from "./cache/source-cache.js";
const [dir, id, startAt] = process.argv.slice(2);
const cache = await openSourceCache({ dir, onProblem: (m) => { console.error(m); process.exitCode = 1; } });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
for (let j = 0; j < 5; j++) {
  const ok = await cache.set(\`p\${id}-k\${j}\`, { id, j, payload: "x".repeat(20000) }, 60000);
  if (!ok) process.exitCode = 1;
}
`,
  );
  // Each child wants the same key at the same moment; a fetch appends a line to a log file.
  await writeFile(
    join(root, "reader.mjs"),
    `import { appendFileSync } from "node:fs";
import { openSourceCache } from "./cache/source-cache.js";
import { obtain } from "./cache/single-flight.js";
const [dir, log, startAt] = process.argv.slice(2);
const cache = await openSourceCache({ dir });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const got = await obtain(cache, {
  key: "shared", freshMs: 60000, staleMs: 0, refresh: false, lockWaitMs: 20000,
  fetch: async () => { appendFileSync(log, process.pid + "\\n"); await new Promise((r) => setTimeout(r, 300)); return { hosts: ["127.0.0.9"], by: process.pid }; },
  isTransient: () => false, note: () => {},
});
process.stdout.write(JSON.stringify(got.data));
`,
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function runChild(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, script), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("cache directory under concurrent processes", () => {
  it("ten processes writing at once leave one valid entry per key, nothing else", async () => {
    const dir = join(root, "xdg-w", "rollcall");
    const startAt = Date.now() + 1500; // all children loaded and waiting by then
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, id) => runChild("writer.mjs", [dir, String(id), String(startAt)])),
    );
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: "" });
    const files = await readdir(dir);
    expect(files).toHaveLength(50);
    const keys = new Set<string>();
    for (const f of files) {
      expect(f).toMatch(/^[0-9a-f]{32}\.json$/);
      keys.add(JSON.parse(await readFile(join(dir, f), "utf8")).key);
    }
    for (let id = 0; id < 10; id++) {
      for (let j = 0; j < 5; j++) expect(keys.has(`rollcall:src:p${id}-k${j}`)).toBe(true);
    }
  });

  it("ten processes missing the same key at once fetch it once and all get that result", async () => {
    const dir = join(root, "xdg-r", "rollcall");
    const log = join(root, "fetches.log");
    await writeFile(log, "");
    const startAt = Date.now() + 1500;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => runChild("reader.mjs", [dir, log, String(startAt)])),
    );
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: "" });
    const fetchers = (await readFile(log, "utf8")).trim().split("\n");
    expect(fetchers).toHaveLength(1);
    for (const r of results)
      expect(JSON.parse(r.stdout)).toEqual({ hosts: ["127.0.0.9"], by: Number(fetchers[0]) });
    expect((await readdir(dir)).filter((f) => !f.endsWith(".json"))).toEqual([]);
  });
});
