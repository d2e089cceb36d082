// Starts the AWS fake on its own shared infra (no Spotinst half) and hands out real SDK clients
// pointed at it.
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { AwsFleetInput, AwsSim, AwsSimOptions } from "../../../src/sim/aws/index.js";
import { startStandaloneAwsSim } from "../../../src/sim/aws/standalone.js";
import type { FaultOptions } from "../../../src/sim/core/faults.js";
import type { SimShared } from "../../../src/sim/core/shared.js";

export { createStandaloneShared as createTestShared } from "../../../src/sim/aws/standalone.js";

export interface TestSimOptions {
  timeScale?: number;
  latencyMs?: number;
  faults?: FaultOptions;
  sim?: AwsSimOptions;
}

export interface TestAwsSim extends AwsSim {
  shared: SimShared;
  /** ctx.env-style environment for the source, hermetic (no profile, no IMDS). */
  sourceEnv: Record<string, string>;
  ec2(region?: string): EC2Client;
  autoscaling(region?: string): AutoScalingClient;
  stop(): Promise<void>;
}

export async function startTestAwsSim(
  fleet: AwsFleetInput,
  options: TestSimOptions = {},
): Promise<TestAwsSim> {
  const sim = await startStandaloneAwsSim(fleet, {
    ...options.sim,
    timeScale: options.timeScale,
    latencyMs: options.latencyMs,
    faults: options.faults,
  });
  const shared = sim.shared;
  const clientConfig = (region: string) => ({
    region,
    endpoint: sim.url,
    credentials: { accessKeyId: sim.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sim.env.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 4,
  });
  const clients: { destroy(): void }[] = [];
  return {
    ...sim,
    shared,
    sourceEnv: { ...sim.env },
    ec2(region = sim.env.AWS_REGION!) {
      const c = new EC2Client(clientConfig(region));
      clients.push(c);
      return c;
    },
    autoscaling(region = sim.env.AWS_REGION!) {
      const c = new AutoScalingClient(clientConfig(region));
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await sim.stop();
    },
  };
}

/** Poll (in real time) until `check` passes; the sim's scaled clock makes this short. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
