// OpenSSH known_hosts: parse, look a host up, verify the key a server presented. Supported:
// plain names, `[host]:port`, comma lists, `*`/`?` wildcards, `!` negation, hashed `|1|salt|hash`
// names (HashKnownHosts), `@revoked`. `@cert-authority` lines are ignored (host certificates are
// not supported).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface KnownHostEntry {
  file: string;
  /** 1-based */
  line: number;
  marker?: "revoked" | "cert-authority";
  /** Comma-separated host patterns as written (absent for a hashed name). */
  patterns?: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: "match"; entry: KnownHostEntry }
  /** The host has a key of the same type in known_hosts, and it is a different key. */
  | { status: "mismatch"; entry: KnownHostEntry }
  | { status: "revoked"; entry: KnownHostEntry }
  /** No key of this type is known for the host; `knownTypes` lists the types that are. */
  | { status: "unknown"; knownTypes: string[] };

/** Parse one known_hosts file; malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return;
    let marker: KnownHostEntry["marker"];
    if (fields[0].startsWith("@")) {
      const name = fields.shift();
      if (name === "@revoked") marker = "revoked";
      else if (name === "@cert-authority") marker = "cert-authority";
      else return;
    }
    const [hosts, keyType, keyText] = fields;
    if (!hosts || !keyType || !keyText) return;
    const key = Buffer.from(keyText, "base64");
    if (key.length === 0) return;
    const entry: KnownHostEntry = { file, line: index + 1, keyType, key };
    if (marker) entry.marker = marker;
    if (hosts.startsWith("|1|")) {
      const [, , salt, hash] = hosts.split("|");
      if (!salt || !hash) return;
      entry.hashed = { salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
    } else {
      entry.patterns = hosts.split(",");
    }
    entries.push(entry);
  });
  return entries;
}

/** The name ssh looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  const lower = name.toLowerCase();
  if (entry.hashed) {
    const digest = createHmac("sha1", entry.hashed.salt).update(lower).digest();
    return digest.length === entry.hashed.hash.length && timingSafeEqual(digest, entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.patterns ?? []) {
    const negated = pattern.startsWith("!");
    if (!matchPattern(lower, (negated ? pattern.slice(1) : pattern).toLowerCase())) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function matchPattern(name: string, pattern: string): boolean {
  if (!/[*?]/.test(pattern)) return name === pattern;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(name);
}

/** Decide whether `key` (the server's host key blob) is the one known for host:port. */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const mine = entries.filter((e) => e.marker !== "cert-authority" && entryMatchesHost(e, name));
  const revoked = mine.find((e) => e.marker === "revoked" && e.key.equals(key));
  if (revoked) return { status: "revoked", entry: revoked };
  const plain = mine.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: "match", entry: same };
  const type = hostKeyType(key);
  const sameType = plain.find((e) => hostKeyType(e.key) === type);
  if (sameType) return { status: "mismatch", entry: sameType };
  return { status: "unknown", knownTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** The key type named inside an SSH public key blob (its first string), e.g. "ssh-ed25519". */
export function hostKeyType(key: Buffer): string {
  if (key.length < 4) return "unknown";
  const length = key.readUInt32BE(0);
  if (length > key.length - 4 || length > 64) return "unknown";
  return key.subarray(4, 4 + length).toString("latin1");
}

/** `SHA256:…` as `ssh-keygen -l` prints it (unpadded base64). */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

// ssh2's defaults, in its order.
const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/**
 * Host key algorithms with the types known for this host first, as ssh does: otherwise a server
 * with several host keys could present one we have no entry for, and look unknown.
 */
export function preferredHostKeyAlgorithms(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): string[] | undefined {
  const name = knownHostsName(host, port);
  const known = new Set(
    entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.keyType),
  );
  if (known.size === 0) return undefined;
  const algorithmsOf = (type: string) =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
  const first = HOST_KEY_ALGORITHMS.filter((a) => [...known].some((t) => algorithmsOf(t).includes(a)));
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}
