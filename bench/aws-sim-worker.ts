// The AWS fake in a worker thread, so a benchmark times the client's CPU (the SDK's XML parsing
// dominates a 10,000-instance fetch), not the fake's XML rendering on the same thread.
import { parentPort, workerData } from "node:worker_threads";
import { generateAwsFleet } from "../src/sim/aws/fleet.js";
import { startStandaloneAwsSim } from "../src/sim/aws/standalone.js";

export interface AwsSimWorkerData {
  asgs: number;
  instancesPerAsg: number;
  latencyMs: number;
}

export type AwsSimWorkerMessage =
  | { type: "ready"; env: Record<string, string> }
  | { type: "requests"; total: number };

const data = workerData as AwsSimWorkerData;
const port = parentPort!;
const sim = await startStandaloneAwsSim(
  generateAwsFleet({ asgs: data.asgs, instancesPerAsg: data.instancesPerAsg, listen: false }),
  { latencyMs: data.latencyMs },
);
port.on("message", async (msg: { type: "requests" | "stop" }) => {
  if (msg.type === "requests") {
    const total = Object.values(sim.world.requestCounts).reduce((a, b) => a + b, 0);
    port.postMessage({ type: "requests", total } satisfies AwsSimWorkerMessage);
  } else {
    await sim.stop();
    port.close();
  }
});
port.postMessage({ type: "ready", env: sim.env } satisfies AwsSimWorkerMessage);
