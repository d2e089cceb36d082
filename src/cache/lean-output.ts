// The built inventory, cached, and the lean path that prints it. Ansible runs `rollcall --list`
// on every command, so a hit must cost little more than starting Node: this module imports only
// Node built-ins (not even node:crypto, see quick-hash.ts) and entry-file.ts/dir-trust.ts — no
// config schema, YAML, keyv or SDK.
//
// The built output depends on more than the raw source results: the config's bytes, the
// environment values the sources read, rollcall's version, and which raw entries (which
// versions) it was built from. So the normal path, after building, writes two entries into the
// cache directory, both named after the config's path:
//   output   the compact `--list` JSON, expiring when its first raw entry goes stale
//   pointer  rollcall's build, a digest of the config bytes, a manifest (env names the sources
//            read — secret ones by presence only —, identity files, the raw entries' store keys,
//            stale_while_revalidate), the fingerprint of all that as it was, and the output's key
// The lean path recomputes the fingerprint from the current config, environment, files and raw
// entry headers and compares; any difference (or anything it cannot read or trust) is a miss, and
// the caller falls back to the normal path. Only the directory store has a lean path: with Redis,
// checking the raw versions would need the Redis client, which is what the lean path avoids.
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkCacheDir } from "./dir-trust.js";
import { entryPath, isLive, readEntry, readEntryHeader, removeEntry, writeEntry } from "./entry-file.js";
import { quickHash } from "./quick-hash.js";

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

interface Pointer {
  build: string;
  configPath: string;
  configDigest: string;
  manifest: LeanManifest;
  fingerprint: string;
  output: string;
}

export function readLeanOutput(at: LeanLocation, now = Date.now()): LeanRead {
  const dir = checkCacheDir(at.dir, at.uid);
  if (!dir.ok) return { ok: false, reason: dir.problem };
  const pointer = readPointer(at);
  if (!pointer) return { ok: false, reason: "no built output for this config" };
  if (pointer.build !== buildStamp() || pointer.configDigest !== quickHash(at.configBytes)) {
    return { ok: false, reason: "the config or rollcall changed" };
  }
  const versions: number[] = [];
  for (const raw of pointer.manifest.raws) {
    const header = readEntryHeader(entryPath(at.dir, raw), raw, at.uid);
    if (!header || header.expires === null || header.expires - pointer.manifest.staleMs <= now) {
      return { ok: false, reason: "a source's cached result is missing or stale" };
    }
    versions.push(header.expires);
  }
  if (fingerprint(at, pointer.manifest, versions) !== pointer.fingerprint) {
    return { ok: false, reason: "the environment or a source's cached result changed" };
  }
  const out = readEntry(entryPath(at.dir, pointer.output), pointer.output, at.uid);
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
  if (!checkCacheDir(at.dir, at.uid).ok) return false;
  const previous = readPointer(at);
  if (!(inputs.freshUntil > now)) {
    // Already stale (a fetch that outlasted a short ttl): nothing worth storing. A damaged or
    // dead pointer, or one naming a damaged or expired output, is removed rather than left behind;
    // a live one is another process's fresher build and stays.
    const output = previous && readEntry(entryPath(at.dir, previous.output), previous.output, at.uid);
    if (!output || !isLive(output, now)) {
      removeQuietly(at.dir, previous ? [previous.output, pointerKey(at)] : [pointerKey(at)]);
    }
    return false;
  }
  const pointer: Pointer = {
    build: buildStamp(),
    configPath: at.configPath,
    configDigest: quickHash(at.configBytes),
    manifest: inputs.manifest,
    fingerprint: fingerprint(at, inputs.manifest, inputs.versions),
    // A new name per build: a reader holding the old pointer never reads the new output.
    output: `rollcall:lean:output:${quickHash(at.configPath)}:${now.toString(36)}${Math.random().toString(36).slice(2, 10)}`,
  };
  try {
    writeEntry(at.dir, pointer.output, inputs.freshUntil, body);
    writeEntry(at.dir, pointerKey(at), now + POINTER_TTL_MS, JSON.stringify(pointer));
    if (previous && previous.output !== pointer.output) removeEntry(at.dir, previous.output);
    return true;
  } catch {
    return false; // the normal path already told the user about an unusable directory
  }
}

function removeQuietly(dir: string, keys: string[]): void {
  for (const key of keys) {
    try {
      removeEntry(dir, key);
    } catch {
      // an unusable directory: the next run's trust check reports it
    }
  }
}

function pointerKey(at: LeanLocation): string {
  return `rollcall:lean:pointer:${quickHash(at.configPath)}`;
}

function readPointer(at: LeanLocation): Pointer | undefined {
  const key = pointerKey(at);
  const entry = readEntry(entryPath(at.dir, key), key, at.uid);
  if (!entry || !isLive(entry, Date.now())) return undefined;
  try {
    const p = JSON.parse(entry.body.toString("utf8")) as Pointer;
    const prefix = `rollcall:lean:output:${quickHash(at.configPath)}:`;
    const ok =
      typeof p === "object" &&
      p !== null &&
      typeof p.build === "string" &&
      p.configPath === at.configPath &&
      typeof p.configDigest === "string" &&
      typeof p.fingerprint === "string" &&
      typeof p.output === "string" &&
      p.output.startsWith(prefix) &&
      isManifest(p.manifest);
    return ok ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Everything the output depends on besides the config and rollcall, as it is now. Env values are
 * digested (secret ones reduced to set/unset), so the pointer holds no value in clear.
 */
function fingerprint(at: LeanLocation, m: LeanManifest, versions: number[]): string {
  const env = m.env.map(([name, secret]) => {
    const value = at.env[name];
    if (secret) return value !== undefined;
    return value === undefined ? null : quickHash(value);
  });
  const files = m.files.map((f) => fileSignature(f));
  return quickHash(JSON.stringify([at.homeDir, m.env, env, m.files, files, m.raws, versions]));
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
