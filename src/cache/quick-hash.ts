// A fast 128-bit non-cryptographic hash (two cyrb53-style lanes, each run with two seeds) for
// naming cache files and fingerprinting values on the lean path. Not node:crypto on purpose: the
// lean hit path runs on every Ansible command, and initialising node:crypto's hashing costs
// milliseconds there. Nothing relies on it being collision-resistant against an attacker: every
// entry's header carries its full key and readers compare that exactly, so a collision is a miss,
// never a wrong answer; and the values it fingerprints are ones the user controls anyway.
export function quickHash(data: string | Uint8Array): string {
  return lanes(data, 0x9e3779b9) + lanes(data, 0x85ebca6b);
}

function lanes(data: string | Uint8Array, seed: number): string {
  let h1 = 0xdeadbeef ^ seed ^ data.length;
  let h2 = 0x41c6ce57 ^ seed ^ data.length;
  const text = typeof data === "string";
  for (let i = 0; i < data.length; i++) {
    const ch = text ? (data as string).charCodeAt(i) : (data as Uint8Array)[i]!;
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex(h2) + hex(h1);
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
