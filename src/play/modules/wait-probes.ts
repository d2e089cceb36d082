// The low-level checks behind wait_for: TCP connects, banner reads, file searches and the
// kernel's connection table (for state=drained).

import { readFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export const DEFAULT_ACTIVE_STATES = [
  "ESTABLISHED",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "SYN_RECV",
  "SYN_SENT",
  "TIME_WAIT",
];

export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => {});
}

/** A connected socket, or undefined when refused / timed out / aborted. */
export function tryConnect(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    const sock = connect({ host, port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      sock.removeAllListeners("connect");
      if (ok) resolve(sock);
      else {
        sock.destroy();
        resolve(undefined);
      }
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.once("connect", () => finish(true));
    sock.on("error", () => finish(false));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Read from a connected socket until `regex` matches the data so far (or time runs out). */
export function waitForMatch(
  sock: Socket,
  regex: RegExp,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<RegExpExecArray | undefined> {
  return new Promise((resolve) => {
    let data = "";
    const done = (m: RegExpExecArray | undefined) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      sock.removeAllListeners("data");
      sock.destroy();
      resolve(m);
    };
    const onAbort = () => done(undefined);
    const timer = setTimeout(() => done(undefined), Math.max(0, timeoutMs));
    sock.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      const m = regex.exec(data);
      if (m) done(m);
    });
    sock.on("end", () => done(undefined));
    sock.on("error", () => done(undefined));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** undefined: not there (yet); true: exists (no regex); a match: regex found in the file. */
export async function searchFile(
  path: string,
  regex: RegExp | undefined,
): Promise<RegExpExecArray | true | undefined> {
  let text: string;
  try {
    if (!regex) {
      await readFile(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EISDIR") throw e;
      });
      return true;
    }
    text = await readFile(path, "latin1");
  } catch {
    return undefined;
  }
  return regex.exec(text) ?? undefined;
}

const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** Active connections on a local port, from /proc/net/tcp{,6} (Linux). */
export async function countActiveConnections(
  read: (path: string, enc: "utf8") => Promise<string>,
  port: number,
  states: readonly string[],
  excludeHosts: readonly string[],
): Promise<number> {
  let count = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await read(file, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const [localHex, remoteHex, stateHex] = [cols[1]!, cols[2]!, cols[3]!];
      if (Number.parseInt(localHex.split(":")[1] ?? "", 16) !== port) continue;
      if (!states.includes(TCP_STATES[stateHex] ?? "")) continue;
      if (excludeHosts.includes(decodeAddress(remoteHex))) continue;
      count++;
    }
  }
  return count;
}

function decodeAddress(hex: string): string {
  const addr = hex.split(":")[0] ?? "";
  if (addr.length !== 8) return addr;
  return [6, 4, 2, 0].map((i) => Number.parseInt(addr.slice(i, i + 2), 16)).join(".");
}
