// The built inventory, cached, and the lean path that prints it. Ansible runs `rollcall --list`
// on every command, so a hit must cost little more than starting Node: this module imports only
// Node built-ins and entry-file.ts/dir-trust.ts — no config schema, YAML, keyv or SDK.
//
// The built output depends on more than the raw source results: the config's bytes, the
// environment values the sources read, rollcall's version, and which raw entries (which
// versions) it was built from. So the normal path, after building, writes two entries into the
// cache directory:
//   pointer  key = hash(rollcall build, config path, config bytes)
//            value = a manifest: env names read (secret ones by presence only), identity files,
//            the raw entries' store keys, stale_while_revalidate
//   output   key = hash(pointer, home, those env values, those files' stat, raw versions)
//            value = the compact `--list` JSON, expiring when its first raw entry goes stale
// The lean path recomputes the output key from the current config, environment and raw entry
// headers; any difference (or anything it cannot read or trust) is a miss, and the caller falls
// back to the normal path. Only the directory store has a lean path: with Redis, checking the
// raw versions would need the Redis client, which is what the lean path exists to avoid.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkCacheDir } from "./dir-trust.js";
import { entryPath, isLive, readEntry, readEntryHeader, writeEntry } from "./entry-file.js";

/** What the normal path learned while building, enough to recompute the output key later. */
export interface LeanManifest {
  /** Env names the sources read, in order; `true` = secret, hashed by presence only. */
  env: [name: string, secret: boolean][];
  /** Files whose content feeds the sources' identity (credentials files); hashed by stat. */
  files: string[];
  /** Directory-store keys of the raw entries used. */
  raws: string[];
  /** cache.stale_while_revalidate in ms: a raw entry is fresh until expires - staleMs. */
  staleMs: number;
}

export interface LeanInputs {
  manifest: LeanManifest;
  /** Version (store expiry stamp) of each raw entry, in manifest order. */
  versions: number[];
  /** When the output stops being fresh (the earliest raw freshUntil, or now + ttl). */
  freshUntil: number;
}

export interface LeanLocation {
  dir: string;
  /** Absolute path of the config file. */
  configPath: string;
  configBytes: Buffer;
  env: Record<string, string | undefined>;
  homeDir: string;
  uid: number | undefined;
}

export type LeanRead = { ok: true; body: Buffer } | { ok: false; reason: string };

const POINTER_TTL_MS = 30 * 24 * 3600 * 1000;

export function readLeanOutput(at: LeanLocation, now = Date.now()): LeanRead {
  const dir = checkCacheDir(at.dir, at.uid);
  if (!dir.ok) return { ok: false, reason: dir.problem };
  const pointer = pointerKey(at);
  const entry = readEntry(entryPath(at.dir, pointer), pointer, at.uid);
  if (!entry || !isLive(entry, now)) return { ok: false, reason: "no built output for this config" };
  let manifest: LeanManifest;
  try {
    manifest = JSON.parse(entry.body.toString("utf8")) as LeanManifest;
    if (!isManifest(manifest)) return { ok: false, reason: "unreadable pointer" };
  } catch {
    return { ok: false, reason: "unreadable pointer" };
  }
  const versions: number[] = [];
  for (const raw of manifest.raws) {
    const header = readEntryHeader(entryPath(at.dir, raw), raw, at.uid);
    if (!header || header.expires === null || header.expires - manifest.staleMs <= now) {
      return { ok: false, reason: "a source's cached result is missing or stale" };
    }
    versions.push(header.expires);
  }
  const output = outputKey(at, pointer, manifest, versions);
  const out = readEntry(entryPath(at.dir, output), output, at.uid);
  if (!out || !isLive(out, now)) return { ok: false, reason: "built output missing or expired" };
  return { ok: true, body: out.body };
}

/** Store the built output (compact JSON) for the lean path; false when it could not be. */
export function writeLeanOutput(
  at: LeanLocation,
  inputs: LeanInputs,
  body: string,
  now = Date.now(),
): boolean {
  if (!(inputs.freshUntil > now) || !checkCacheDir(at.dir, at.uid).ok) return false;
  const pointer = pointerKey(at);
  try {
    writeEntry(at.dir, pointer, now + POINTER_TTL_MS, JSON.stringify(inputs.manifest));
    const output = outputKey(at, pointer, inputs.manifest, inputs.versions);
    writeEntry(at.dir, output, inputs.freshUntil, body);
    return true;
  } catch {
    return false; // the normal path already told the user about an unusable directory
  }
}

function pointerKey(at: LeanLocation): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(["pointer", buildStamp(), at.configPath]));
  h.update(at.configBytes);
  return `rollcall:lean:pointer:${h.digest("hex")}`;
}

function outputKey(at: LeanLocation, pointer: string, m: LeanManifest, versions: number[]): string {
  const env = m.env.map(([name, secret]) => {
    const value = at.env[name];
    return [name, secret ? value !== undefined : (value ?? null)];
  });
  const files = m.files.map((f) => [f, fileSignature(f)]);
  const material = JSON.stringify([pointer, at.homeDir, env, files, m.raws, versions]);
  return `rollcall:lean:output:${createHash("sha256").update(material).digest("hex")}`;
}

function fileSignature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return "absent";
  }
}

let stamp: string | undefined;

/**
 * rollcall's version plus this build's timestamp: a new release or a rebuild (npm pins file
 * times in packages, hence the version too) makes every stored output a miss.
 */
function buildStamp(): string {
  if (stamp) return stamp;
  let version = "?";
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    version = String(pkg.version);
  } catch {
    // no package.json next to us: the build time alone
  }
  let built = "?";
  try {
    built = String(statSync(fileURLToPath(import.meta.url)).mtimeMs);
  } catch {
    // not a file URL: the version alone
  }
  stamp = `${version}@${built}`;
  return stamp;
}

function isManifest(m: LeanManifest): boolean {
  return (
    typeof m === "object" &&
    m !== null &&
    Array.isArray(m.env) &&
    m.env.every((e) => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "boolean") &&
    Array.isArray(m.files) &&
    m.files.every((f) => typeof f === "string") &&
    Array.isArray(m.raws) &&
    m.raws.every((r) => typeof r === "string") &&
    typeof m.staleMs === "number"
  );
}
