// Shared by the simulator tests: a small fleet with every knob, a raw HTTP client that shows
// exactly what the fake sends, and real TCP probes of instance listeners.
import { connect } from "node:net";
import { fleetSchema } from "../../src/sim/fleet.js";
import {
  type FleetInput,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "../../src/sim/index.js";

export const TOKEN = "test-token-org-one";
export const OTHER_TOKEN = "test-token-org-two";
export const KAFKA = "sig-aaaa0001";
export const ZK = "sig-bbbb0001";
export const WORKERS = "sig-cccc0001";

/** Every phase 100 simulated s; at timeScale 1000 that is 100 ms real, long enough to observe. */
export const TEST_FLEET: FleetInput = {
  timings: {
    accept: 0,
    recycle: { stop: 100, start: 100 },
    pause: 100,
    resume: 100,
    deallocate: 100,
    boot: 20,
  },
  accounts: [
    {
      id: "act-11111111",
      token: TOKEN,
      groups: [
        {
          id: KAFKA,
          name: "kafka-test",
          tags: { env: "test", service: "kafka" },
          ports: [
            { port: 19092, banner: "kafka ready" },
            { port: 18778, http_path: "/jolokia/" },
          ],
          instances: [
            { id: "ssi-a0000001" },
            { id: "ssi-a0000002", recycle_outcome: "error" },
            { id: "ssi-a0000003", never_healthy: true },
            { id: "ssi-a0000004", state: "PAUSED" },
            { id: "ssi-a0000005", recycle_outcome: "stuck" },
            { id: "ssi-a0000006", listen: false },
          ],
        },
        {
          id: ZK,
          name: "zk-test",
          persist_private_ip: true,
          persist_root_volume: true,
          ports: [12181],
          instances: [{ id: "ssi-b0000001" }, { id: "ssi-b0000002", state: "PAUSED" }],
        },
        {
          id: WORKERS,
          name: "workers",
          stateful: false,
          ports: [{ port: 18080, http_path: "/healthz" }],
          count: 2,
        },
      ],
    },
    { id: "act-22222222", token: OTHER_TOKEN, groups: [{ id: "sig-dddd0001", name: "elsewhere", count: 1 }] },
    // Same token as the first account: one organisation, whose default account is the first.
    { id: "act-33333333", token: TOKEN, groups: [{ id: "sig-eeee0001", name: "second-account", count: 1 }] },
  ],
};

export function startTestSim(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ fleet: fleetSchema.parse(TEST_FLEET), timeScale: 1000, ...options });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary envelope fields
  json: any;
}

export interface CallOptions {
  method?: string;
  /** null = no Authorization header. Default: the first account's token. */
  token?: string | null;
  /** null = no accountId query. Default act-11111111. */
  accountId?: string | null;
  signal?: AbortSignal;
}

export async function call(sim: Simulator, path: string, o: CallOptions = {}): Promise<RawResponse> {
  const url = new URL(sim.spotinstUrl + path);
  const accountId = o.accountId === undefined ? "act-11111111" : o.accountId;
  if (accountId !== null) url.searchParams.set("accountId", accountId);
  const token = o.token === undefined ? TOKEN : o.token;
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const res = await fetch(url, { method: o.method ?? "GET", headers, signal: o.signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const act = (sim: Simulator, group: string, ssi: string, action: string) =>
  call(sim, `/aws/ec2/group/${group}/statefulInstance/${ssi}/${action}`, { method: "PUT" });

export async function listSsis(sim: Simulator, group: string) {
  const r = await call(sim, `/aws/ec2/group/${group}/statefulInstance`);
  return r.json.response.items as {
    id: string;
    state: string;
    instanceId: string | null;
    privateIp: string | null;
  }[];
}

/** Open a real TCP connection; resolves with what the server sent first, or why it failed. */
export function probe(ip: string, port: number, timeoutMs = 1000): Promise<{ open: boolean; data: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    let data = "";
    let connected = false;
    const finish = (open: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ open, data });
    };
    const timer = setTimeout(() => finish(connected), timeoutMs);
    socket.on("connect", () => {
      connected = true;
      // Banner ports speak first; give them a moment, then report what arrived.
      setTimeout(() => finish(true), 30);
    });
    socket.on("data", (d) => {
      data += d;
    });
    socket.on("error", () => finish(false));
  });
}

/** Poll (real time, short interval) until `check` returns a truthy value. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Timeline states an SSI went through, in order. */
export function statesOf(sim: Simulator, ssiId: string): string[] {
  return sim.shared.timeline
    .filter((e) => e.type === "state" && e.subject === ssiId)
    .map((e) => String(e.detail.to));
}
