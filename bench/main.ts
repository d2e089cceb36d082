// `npm run bench`: measure the DESIGN.md performance targets and print a table. Benchmarks, not
// tests: they report figures and never fail the build. Pick some with `npm run bench -- NAME…`.

import { benchAws } from "./aws-bench.js";
import { benchInventoryColdFetch } from "./inventory-bench.js";
import { benchInventoryCacheHit, benchInventorySmallHit } from "./inventory-hit-bench.js";
import type { BenchFigure } from "./measure.js";
import { benchRecycle } from "./recycle-bench.js";
import { benchRunner } from "./runner-bench.js";
import { benchSsh } from "./ssh-bench.js";

const BENCHES: Record<string, () => Promise<BenchFigure[]>> = {
  "inventory-cache-hit": benchInventoryCacheHit,
  "inventory-small-hit": benchInventorySmallHit,
  "inventory-cold-fetch": benchInventoryColdFetch,
  aws: benchAws,
  runner: benchRunner,
  recycle: benchRecycle,
  ssh: benchSsh,
};

// The in-process AWS simulator clients would print the SDK's Node 20 notice on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const wanted = process.argv.slice(2);
const selected = Object.entries(BENCHES).filter(([name]) => wanted.length === 0 || wanted.includes(name));
for (const [name, bench] of selected) {
  try {
    for (const f of await bench()) {
      if (typeof f.target === "number") {
        f.ok ??= f.value <= f.target;
        f.target = `≤ ${f.target} ${f.unit}`;
      }
      const mark = f.ok === undefined ? " " : f.ok ? "✓" : "✗";
      const value =
        f.value >= 100 ? f.value.toFixed(0) : f.value >= 0.1 ? f.value.toFixed(2) : f.value.toFixed(4);
      console.log(`${mark} ${f.name}: ${value} ${f.unit}${f.target ? `  (target ${f.target})` : ""}`);
    }
  } catch (err) {
    console.log(`✗ ${name}: failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
