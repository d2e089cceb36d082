// Time a whole Node process from the outside (start-up included) with its stdout drained through
// a pipe, as Ansible reads an inventory script; peak RSS comes from bench/rss-probe.ts.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";

const PROBE = pathToFileURL(new URL("./rss-probe.js", import.meta.url).pathname).href;

export interface ProcessRun {
  ms: number;
  /** User + system CPU time, less sensitive than wall time to other load on the machine. */
  cpuMs: number;
  maxRssMb: number;
  code: number | null;
  stdoutBytes: number;
  stderr: string;
}

export function measureNode(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", PROBE, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let stdoutBytes = 0;
    let stderr = "";
    let probe = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdoutBytes += d.length;
    });
    child.stderr!.on("data", (d) => (stderr += d));
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d) => (probe += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      let report = { maxRssKb: 0, cpuMs: 0 };
      try {
        report = JSON.parse(probe) as typeof report;
      } catch {
        // the probe did not report (crash): RSS and CPU unknown
      }
      resolve({ ms, cpuMs: report.cpuMs, maxRssMb: report.maxRssKb / 1024, code, stdoutBytes, stderr });
    });
  });
}

/**
 * Run every variant `rounds` times, interleaved (A B C A B C …) so that load from other processes
 * on a shared machine hits them alike; medians and peak RSS per variant.
 */
export async function interleaved(
  variants: Record<string, () => Promise<ProcessRun>>,
  rounds: number,
): Promise<Record<string, { ms: number; cpuMs: number; maxRssMb: number; runs: ProcessRun[] }>> {
  const runs: Record<string, ProcessRun[]> = {};
  for (const name of Object.keys(variants)) runs[name] = [];
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const r = await run();
      if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.stderr.trim().split("\n")[0]}`);
      runs[name]!.push(r);
    }
  }
  const out: Record<string, { ms: number; cpuMs: number; maxRssMb: number; runs: ProcessRun[] }> = {};
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const [name, rs] of Object.entries(runs)) {
    out[name] = {
      ms: median(rs.map((r) => r.ms)),
      cpuMs: median(rs.map((r) => r.cpuMs)),
      maxRssMb: Math.max(...rs.map((r) => r.maxRssMb)),
      runs: rs,
    };
  }
  return out;
}
