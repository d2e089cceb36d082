// The simulated clock: a timer never runs before its due time by the clock's own reading (Node arms
// timers from the loop's cached time, so by performance.now() they may fire a little early; at a
// large time scale that was tens of simulated ms, and a 150 s PAUSED lasted 149.944 s).
import { describe, expect, it } from "vitest";
import { createClock } from "../../../src/sim/core/clock.js";

describe("sim clock", () => {
  it("runs each timer at or after its due time, and never goes backwards", async () => {
    const clock = createClock(1000);
    const early: number[] = [];
    let last = clock.now();
    let backwards = 0;
    const done = Array.from(
      { length: 300 },
      (_, i) =>
        new Promise<void>((resolve) => {
          const simMs = 1000 + ((i * 7919) % 50_000);
          const due = clock.now() + simMs;
          clock.after(simMs, () => {
            const now = clock.now();
            if (now < due) early.push(due - now);
            if (now < last) backwards++;
            last = now;
            resolve();
          });
        }),
    );
    await Promise.all(done);
    expect({ early, backwards }).toEqual({ early: [], backwards: 0 });
  });
});
