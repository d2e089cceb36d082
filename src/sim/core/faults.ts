// Request faults shared by the Spotinst and AWS fakes. Each server renders a fault in its own
// protocol's shape (Spotinst envelope, AWS error XML); this only decides which fault happens.

export type Fault =
  | { kind: "none" }
  | { kind: "server-error"; status: 500 | 502 | 503 }
  /** resetSec: simulated seconds the throttled route stays blocked (the Spotinst fake's Reset). */
  | { kind: "throttle"; resetSec: number }
  | { kind: "hang" };

export type InjectedKind = "server-error" | "throttle" | "hang";

export interface FaultOptions {
  /** Probability (0–1) that a request fails with a 5xx or a throttle (429 / Throttling). */
  rate?: number;
  /** Probability (0–1) that a request hangs (never answered until the client gives up). */
  hangRate?: number;
  /** Seed for the deterministic random source. */
  seed?: number;
}

export interface FaultPlan {
  /** Decide the fault for one request; `route` lets injected faults target a path/action. */
  next(route: string): Fault;
  /** Make the next `count` requests whose route includes `match` (default: any) fail this way. */
  inject(kind: InjectedKind, count?: number, match?: string): void;
  /** The share of requests that fail; `only` picks one kind (default: half throttles, half 5xx). */
  setRate(rate: number, only?: "throttle" | "server-error"): void;
}

/** Reset seconds of injected throttles, in turn: short and long waits both get exercised. */
const THROTTLE_RESETS = [3, 7, 1, 12, 5] as const;

export function createFaultPlan(options: FaultOptions = {}): FaultPlan {
  let rate = options.rate ?? 0;
  let only: "throttle" | "server-error" | undefined;
  const hangRate = options.hangRate ?? 0;
  // A fixed cycle rather than random draws, so adding it left every seeded fault sequence as it was.
  let throttles = 0;
  const random = createRandom(options.seed ?? 1);
  const queue: { kind: InjectedKind; remaining: number; match?: string }[] = [];

  const render = (kind: InjectedKind): Fault => {
    if (kind === "hang") return { kind: "hang" };
    if (kind === "throttle")
      return { kind: "throttle", resetSec: THROTTLE_RESETS[throttles++ % THROTTLE_RESETS.length]! };
    // Mostly 500/503; now and then a 502, which fakes render as a proxy's non-JSON page.
    const r = random();
    return { kind: "server-error", status: r < 0.45 ? 500 : r < 0.9 ? 503 : 502 };
  };

  return {
    next(route) {
      const injected = queue.find((q) => q.remaining > 0 && (!q.match || route.includes(q.match)));
      if (injected) {
        injected.remaining--;
        return render(injected.kind);
      }
      if (hangRate > 0 && random() < hangRate) return { kind: "hang" };
      if (rate > 0 && random() < rate) {
        const kind = random() < 0.5 ? "throttle" : "server-error";
        return render(only ?? kind);
      }
      return { kind: "none" };
    },
    inject(kind, count = 1, match) {
      queue.push({ kind, remaining: count, match });
    },
    setRate(next, kind) {
      rate = next;
      only = kind;
    },
  };
}

/** mulberry32: a tiny seeded PRNG so fault sequences repeat run to run. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
