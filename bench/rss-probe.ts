// Loaded with `node --import` into every process a hit benchmark times (rollcall and its floors
// alike): on exit it writes the process's peak RSS and CPU time to fd 3, so the parent measures the real CLI,
// printing to a real pipe, without running it in-process.
import { writeSync } from "node:fs";

process.on("exit", () => {
  try {
    const usage = process.resourceUsage();
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    writeSync(3, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs }));
  } catch {
    // not started by the benchmark (no fd 3)
  }
});
