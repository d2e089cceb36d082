// The cached built output: a hit only when everything it was built from is unchanged.
import { readFileSync } from "node:fs";
import {
  chmod,
  mkdtemp,
  readdir,
  rm,
  stat,
  symlink,
  truncate,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { entryPath } from "../../src/cache/entry-file.js";
import {
  type LeanInputs,
  type LeanLocation,
  readLeanOutput,
  writeLeanOutput,
} from "../../src/cache/lean-output.js";
import { fileStoreKey, openSourceCache } from "../../src/cache/source-cache.js";

let root: string;
let at: LeanLocation;
let inputs: LeanInputs;
const OUTPUT =
  '{"_meta":{"hostvars":{"127.0.0.7":{"ansible_host":"127.0.0.7"}}},"all":{"children":["ungrouped"]}}';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "rollcall-lean-"));
  const dir = join(root, "rollcall");
  const creds = join(root, "credentials");
  await writeFile(creds, "[default]\naccount = act-1\n");
  const cache = await openSourceCache({ dir });
  const raw = await cache.set("raw-1", { groups: [] }, 60_000, 10_000);
  at = {
    dir,
    configPath: join(root, "inv.yml"),
    configBytes: Buffer.from("sources:\n  - type: spotinst\n"),
    env: { SPOTINST_ACCOUNT_ID: "act-1", SPOTINST_API_TOKEN: "secret-token-1", UNRELATED: "x" },
    homeDir: root,
    uid: process.getuid?.(),
  };
  inputs = {
    manifest: {
      env: [
        ["SPOTINST_ACCOUNT_ID", false],
        ["SPOTINST_API_TOKEN", true],
        ["SPOTINST_ACCOUNT", false],
      ],
      files: [creds],
      raws: [fileStoreKey("raw-1")],
      staleMs: 10_000,
    },
    versions: [raw!.version!],
    freshUntil: raw!.freshUntil,
  };
  expect(writeLeanOutput(at, inputs, OUTPUT)).toBe(true);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const read = (over: Partial<LeanLocation> = {}) => readLeanOutput({ ...at, ...over });

describe("lean built output", () => {
  it("is a hit for the same config, environment and raw versions", () => {
    const hit = read();
    expect(hit.ok && hit.body.toString()).toBe(OUTPUT);
    // Variables nobody read do not matter.
    expect(read({ env: { ...at.env, UNRELATED: "y" } }).ok).toBe(true);
  });

  it("misses when the config bytes, its path or the home directory change", () => {
    expect(read({ configBytes: Buffer.from("sources:\n  - type: aws\n") }).ok).toBe(false);
    expect(read({ configPath: join(root, "other.yml") }).ok).toBe(false);
    expect(read({ homeDir: "/elsewhere" }).ok).toBe(false);
  });

  it("misses when a variable the sources read changes, appears or disappears", () => {
    expect(read({ env: { ...at.env, SPOTINST_ACCOUNT_ID: "act-2" } }).ok).toBe(false);
    expect(read({ env: { ...at.env, SPOTINST_ACCOUNT: "act-2" } }).ok).toBe(false);
    const { SPOTINST_ACCOUNT_ID: _, ...without } = at.env;
    expect(read({ env: without }).ok).toBe(false);
  });

  it("keys a secret by presence only, and never stores it", async () => {
    expect(read({ env: { ...at.env, SPOTINST_API_TOKEN: "another-token" } }).ok).toBe(true);
    const { SPOTINST_API_TOKEN: _, ...without } = at.env;
    expect(read({ env: without }).ok).toBe(false);
    for (const f of await readdir(at.dir)) {
      const text = (await import("node:fs")).readFileSync(join(at.dir, f), "utf8");
      expect(text).not.toContain("secret-token-1");
    }
  });

  it("misses when an identity file is edited", async () => {
    const later = new Date(Date.now() + 5000);
    await utimes(inputs.manifest.files[0]!, later, later);
    expect(read().ok).toBe(false);
  });

  it("misses when a raw entry was refreshed, invalidated or went stale", async () => {
    const cache = await openSourceCache({ dir: at.dir });
    await new Promise((r) => setTimeout(r, 5));
    await cache.set("raw-1", { groups: [1] }, 60_000, 10_000);
    expect(read().ok).toBe(false);
    await cache.delete("raw-1");
    expect(read().ok).toBe(false);
    // Past freshUntil (expires - staleMs) while still inside stale_while_revalidate.
    const fresh = await cache.set("raw-1", { groups: [] }, 60_000, 10_000);
    writeLeanOutput(at, { ...inputs, versions: [fresh!.version!], freshUntil: fresh!.freshUntil }, OUTPUT);
    expect(read().ok).toBe(true);
    expect(readLeanOutput(at, fresh!.freshUntil + 1).ok).toBe(false);
  });

  it("misses when a raw entry was truncated, though its header is intact", async () => {
    const file = entryPath(at.dir, fileStoreKey("raw-1"));
    const { size } = await stat(file);
    await truncate(file, size - 1);
    expect(read().ok).toBe(false);
  });

  it("is not written when already stale; a live build stays, a damaged one goes", async () => {
    const before = await readdir(at.dir);
    expect(writeLeanOutput(at, { ...inputs, freshUntil: Date.now() - 1 }, OUTPUT)).toBe(false);
    // Another process's live build (here: the one from beforeEach) is left alone.
    expect(read().ok).toBe(true);
    expect(await readdir(at.dir)).toEqual(before);
    // Its output damaged: the stale writer removes the pointer and the output.
    const output = before.find((f) =>
      readFileSync(join(at.dir, f), "utf8").startsWith('{"rollcall_cache":1,"key":"rollcall:lean:output:'),
    )!;
    await truncate(join(at.dir, output), 60);
    expect(writeLeanOutput(at, { ...inputs, freshUntil: Date.now() - 1 }, OUTPUT)).toBe(false);
    expect(before.length - (await readdir(at.dir)).length).toBe(2);
  });

  it("removes a damaged pointer too when the new output is already stale", async () => {
    const pointer = (await readdir(at.dir)).find((f) =>
      readFileSync(join(at.dir, f), "utf8").includes('"key":"rollcall:lean:pointer:'),
    )!;
    await truncate(join(at.dir, pointer), 40);
    expect(writeLeanOutput(at, { ...inputs, freshUntil: Date.now() - 1 }, OUTPUT)).toBe(false);
    expect(await readdir(at.dir)).not.toContain(pointer);
  });

  it("is not read from an untrusted directory or through a symlink", async () => {
    expect(read().ok).toBe(true);
    await chmod(at.dir, 0o770);
    expect(read()).toEqual({ ok: false, reason: expect.stringMatching(/writable by group or others/) });
    await chmod(at.dir, 0o700);
    expect(read({ uid: (at.uid ?? 0) + 1 }).ok).toBe(false);
    // Replace the output entry by a symlink to a copy: not followed.
    const files = await readdir(at.dir);
    for (const f of files) {
      const path = join(at.dir, f);
      const text = (await import("node:fs")).readFileSync(path, "utf8");
      if (!text.includes("lean:output")) continue;
      const copy = join(root, "copy.json");
      await writeFile(copy, text, { mode: 0o600 });
      await unlink(path);
      await symlink(copy, path);
    }
    expect(read().ok).toBe(false);
  });

  it("finds raw entries where the directory store keeps them", () => {
    expect(inputs.manifest.raws[0]).toBe("rollcall:src:raw-1");
    expect(entryPath(at.dir, inputs.manifest.raws[0]!)).toMatch(/[0-9a-f]{32}\.json$/);
  });
});
