// The AWS fake on its own shared infra (clock, addresses, faults, listeners), without the
// Spotinst half: for benchmarks and tests that only need AWS. `startSimulator` is the way to
// run the whole simulator.
import { claimIpAllocator, createIpAllocator } from "../core/addresses.js";
import { createClock } from "../core/clock.js";
import { createFaultPlan, type FaultOptions } from "../core/faults.js";
import { createListenerPool } from "../core/listeners.js";
import type { SimShared, TimelineEvent } from "../core/shared.js";
import { type AwsSim, type AwsSimOptions, startAwsSim } from "./index.js";

export interface StandaloneOptions extends AwsSimOptions {
  /** Simulated ms per real ms (default 1000: a 30 s boot takes 30 ms). */
  timeScale?: number;
  latencyMs?: number;
  faults?: FaultOptions;
}

export function createStandaloneShared(
  options: Omit<StandaloneOptions, keyof AwsSimOptions> = {},
): SimShared {
  const timeline: TimelineEvent[] = [];
  const clock = createClock(options.timeScale ?? 1000);
  const shared: SimShared = {
    clock,
    listeners: createListenerPool((e) =>
      shared.record({ type: e.type, subject: e.owner, detail: { ip: e.ip, port: e.port } }),
    ),
    ips: createIpAllocator(),
    faults: createFaultPlan(options.faults),
    latencyMs: options.latencyMs ?? 0,
    host: "127.0.0.1",
    timeline,
    record: (event) => timeline.push({ at: clock.now(), ...event }),
    mutatingCalls: {},
  };
  return shared;
}

export async function startStandaloneAwsSim(
  fleet: unknown,
  options: StandaloneOptions = {},
): Promise<AwsSim & { shared: SimShared; stop(): Promise<void> }> {
  const { timeScale, latencyMs, faults, ...simOptions } = options;
  const shared = createStandaloneShared({ timeScale, latencyMs, faults });
  shared.ips = await claimIpAllocator();
  const sim = await startAwsSim(shared, fleet, simOptions);
  return {
    ...sim,
    shared,
    async stop() {
      await sim.close();
      shared.clock.cancelAll();
      await shared.listeners.closeAll();
      await shared.ips.release();
    },
  };
}
