// Simulated time. The fleet's timings are in simulated seconds; `timeScale` says how many
// simulated milliseconds pass per real millisecond, so tests run a 60 s recycle in 60 ms.

export interface SimClock {
  readonly timeScale: number;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Run `fn` after `simMs` simulated milliseconds; returns a cancel function. */
  after(simMs: number, fn: () => void): () => void;
  /** Cancel every pending timer (on close). */
  cancelAll(): void;
}

export function createClock(timeScale = 1, startEpochMs = Date.now()): SimClock {
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  const realStart = performance.now();
  const timers = new Set<NodeJS.Timeout>();
  return {
    timeScale,
    now: () => Math.round(startEpochMs + (performance.now() - realStart) * timeScale),
    after(simMs, fn) {
      const t = setTimeout(
        () => {
          timers.delete(t);
          fn();
        },
        Math.max(0, simMs / timeScale),
      );
      timers.add(t);
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    },
    cancelAll() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
