// Health probes for the members of a group, the way wait_for and uri check a service: a TCP
// connect to each port, and optionally one HTTP GET whose status must be in a list. Used by the
// group precheck (every other member healthy before one is taken out) and by the consecutive
// checks a replacement must pass (bake.ts). A probe never throws: it answers with why it failed.
import { request } from "node:http";
import { tryConnect } from "../modules/wait-probes.js";

export interface HttpProbe {
  port: number;
  /** Starts with "/". */
  path: string;
  /** Accepted statuses (default [200]). */
  status: number[];
}

export interface ProbeSpec {
  ports: number[];
  http?: HttpProbe;
  /** Per connect / request. */
  timeoutMs: number;
}

export const hasProbes = (spec: ProbeSpec | undefined): spec is ProbeSpec =>
  spec !== undefined && (spec.ports.length > 0 || spec.http !== undefined);

/** Why `ip` fails the probes ("port 9092 closed"), or undefined when every probe passes. */
export async function probeAddress(
  ip: string,
  spec: ProbeSpec,
  signal: AbortSignal,
): Promise<string | undefined> {
  const failures = await Promise.all([
    ...spec.ports.map(async (port) => {
      const sock = await tryConnect(ip, port, spec.timeoutMs, signal);
      if (!sock) return `port ${port} closed`;
      sock.destroy();
      return undefined;
    }),
    spec.http ? httpStatus(ip, spec.http, spec.timeoutMs, signal) : Promise.resolve(undefined),
  ]);
  const found = failures.filter((f): f is string => f !== undefined);
  return found.length > 0 ? found.join(", ") : undefined;
}

function httpStatus(
  ip: string,
  http: HttpProbe,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  const url = `http://${ip}:${http.port}${http.path}`;
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(`GET ${url}: interrupted`);
    // agent: false: one short-lived connection, no pool kept alive by a probe.
    const req = request(url, { method: "GET", agent: false, timeout: timeoutMs, signal }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(http.status.includes(code) ? undefined : `GET ${url} answered ${code}`);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (err) => resolve(`GET ${url}: ${err.message}`));
    req.end();
  });
}
