// Simulated instances get private IPs in 127.0.0.0/8 only (never a real private range).
// Each simulator takes its own /16 (127.N.0.0) so parallel simulators — vitest runs test files
// in several processes, and a user may run `rollcall sim` twice — never fight over the same
// address:port pairs. The /16 is claimed by listening on a lock address inside it
// (127.N.255.254:LOCK_PORT) for the simulator's lifetime: the kernel arbitrates between
// processes, and the claim dies with the process.

import { createServer, type Server } from "node:net";
import { pid } from "node:process";

const LOCK_PORT = 47_654;
let created = 0;

export interface IpAllocator {
  /** The /16 this simulator uses, e.g. "127.42". */
  readonly prefix: string;
  next(): string;
  /** Give the /16 back (closes the lock listener). */
  release(): Promise<void>;
}

export function createIpAllocator(n = pickBlock(), lock?: Server): IpAllocator {
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
    release: () => new Promise((resolve) => (lock ? lock.close(() => resolve()) : resolve())),
  };
}

/** Claim a free /16: try blocks until one's lock address can be bound. */
export async function claimIpAllocator(): Promise<IpAllocator> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 64; attempt++) {
    const n = pickBlock();
    const lock = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        lock.once("error", reject);
        lock.listen(LOCK_PORT, `127.${n}.255.254`, () => resolve());
      });
      lock.unref();
      return createIpAllocator(n, lock);
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`no free 127.N.0.0/16 block for the simulator: ${(lastError as Error)?.message}`);
}

function pickBlock(): number {
  // 127.0.x.x is left alone (127.0.0.1 is where the API servers listen); N in [16, 254].
  return 16 + ((pid * 7919 + created++ * 104_729 + Math.floor(Math.random() * 239)) % 239);
}
