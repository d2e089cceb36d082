// Cloud-looking identifiers from a seeded random source, so a fleet gets the same ids run to run
// and tests can pin them. Short ids (8 hex digits) collide in large fleets, hence the `used` set.

export interface IdFactory {
  hex(length: number): string;
  instanceId(): string;
  ssiId(): string;
  groupId(): string;
  volumeId(): string;
  snapshotId(): string;
  imageId(): string;
  subnetId(): string;
  spotRequestId(): string;
  /** Mark an id from the fleet file as taken, so generated ones never clash with it. */
  reserve(id: string): void;
}

export function createIdFactory(random: () => number): IdFactory {
  const used = new Set<string>();
  const hex = (length: number) => {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
    return out;
  };
  const unique = (prefix: string, length: number) => {
    for (;;) {
      const id = `${prefix}-${hex(length)}`;
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
  return {
    hex,
    instanceId: () => unique("i", 17),
    ssiId: () => unique("ssi", 8),
    groupId: () => unique("sig", 8),
    volumeId: () => unique("vol", 17),
    snapshotId: () => unique("snap", 17),
    imageId: () => unique("ami", 17),
    subnetId: () => unique("subnet", 17),
    spotRequestId: () => unique("sir", 8),
    reserve: (id) => {
      used.add(id);
    },
  };
}
