import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target ("≤ 300 ms"), or an upper bound in `unit`. */
  target?: string | number;
  ok?: boolean;
}

const PROBE = fileURLToPath(new URL("./measure-cli.js", import.meta.url));

/** Spawn the CLI through the probe: wall time from the outside, peak RSS from the inside. */
export function measureCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; maxRssMb: number; code: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", () => {
      const ms = performance.now() - started;
      const last = err.trim().split("\n").pop() ?? "";
      try {
        const { code, maxRssKb } = JSON.parse(last) as { code: number; maxRssKb: number };
        resolve({ ms, maxRssMb: maxRssKb / 1024, code });
      } catch {
        reject(new Error(`benchmark run failed: ${err.trim()}`));
      }
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
