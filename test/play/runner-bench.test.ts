// The benchmark function runs and reports in the harness's shape (timing is `npm run bench`'s job).
import { expect, it } from "vitest";
import { benchRunner } from "../../bench/runner-bench.js";

it("benchRunner returns named measurements with targets", async () => {
  const results = await benchRunner();
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) {
    expect(r).toEqual({ name: expect.any(String), value: expect.any(Number), unit: "ms", target: 2 });
  }
});
