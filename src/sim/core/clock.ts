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
  // Node arms a timer from the event loop's cached time, so it may fire a fraction of a real
  // millisecond "early" by performance.now() — tens of simulated ms at a large time scale. A fired
  // timer therefore raises a floor: nothing it does is stamped before the moment it was due, and
  // the clock stays monotonic.
  let floor = Number.NEGATIVE_INFINITY;
  const now = () => Math.max(floor, Math.round(startEpochMs + (performance.now() - realStart) * timeScale));
  return {
    timeScale,
    now,
    after(simMs, fn) {
      const due = now() + Math.max(0, simMs);
      const t = setTimeout(
        () => {
          timers.delete(t);
          floor = Math.max(floor, due);
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
