// Simulated instances get private IPs in 127.0.0.0/8 only (never a real private range).
// Each simulator takes its own /16 (127.N.0.0) so parallel simulators — vitest runs test
// files in several processes — do not fight over the same address:port pairs.

let created = 0;

export interface IpAllocator {
  /** The /16 this simulator uses, e.g. "127.42". */
  readonly prefix: string;
  next(): string;
}

export function createIpAllocator(seed = process.pid): IpAllocator {
  // 127.0.x.x is left alone (127.0.0.1 is where servers listen); pick N in [16, 254].
  const n = 16 + ((seed * 7919 + created++ * 104729) % 239);
  const prefix = `127.${n}`;
  let index = 0;
  return {
    prefix,
    next() {
      if (index >= 254 * 254) throw new RangeError(`simulator ran out of addresses in ${prefix}.0.0/16`);
      const third = Math.floor(index / 254);
      const fourth = (index % 254) + 1;
      index++;
      return `${prefix}.${third}.${fourth}`;
    },
  };
}
