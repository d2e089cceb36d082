// The AWS half of the simulator: EC2, Auto Scaling (and a minimal STS) on one loopback port,
// answering the real AWS SDK v3 clients. `startSimulator` composes it with the Spotinst fake.
import type { AddressInfo } from "node:net";
import { InputError } from "../../errors.js";
import type { SimShared } from "../core/shared.js";
import { type AwsFleet, awsFleetSchema } from "./fleet.js";
import { populateWorld } from "./populate.js";
import { createAwsServer } from "./server.js";
import {
  type InstanceEventOptions,
  injectInstanceEvent,
  scheduleInstanceEvents,
  sendTestNotifications,
  wireEvents,
} from "./sqs-events.js";
import { closeSqsWorld, type SimQueue } from "./sqs-queues.js";
import { type AwsWorld, createWorld, type LifecycleNotification, settleIo } from "./world.js";

export { isOutdated, launchInstance, reconcile, terminateInstance } from "./asg-lifecycle.js";
export type { AsgSpec, AwsFleet, AwsFleetInput } from "./fleet.js";
export { awsFleetSchema, defaultAwsFleet, generateAwsFleet } from "./fleet.js";
export type { InstanceEventKind, InstanceEventOptions } from "./sqs-events.js";
export type { QueueHistoryEntry, SimQueue, SimSqsMessage } from "./sqs-queues.js";
export type { AwsWorld, LifecycleNotification, SimAsg, SimInstance } from "./world.js";
export { addLaunchTemplateVersion, findAsg, settleIo } from "./world.js";

export interface AwsSimOptions {
  /** Port on shared.host; 0 (default) picks a free one. */
  port?: number;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Lifecycle-hook notifications (direct-to-SQS JSON shape), e.g. to forward to a fake SQS. */
  onLifecycleAction?: (n: LifecycleNotification) => void;
  /** EC2 events to inject after some simulated seconds (`rollcall sim --spot-interruption`). */
  instanceEvents?: (InstanceEventOptions & { afterSec: number })[];
  /** A scheduled event could not be injected (no such instance…). */
  onIncident?: (message: string) => void;
}

export interface AwsSim {
  url: string;
  /** What a client needs: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. */
  env: Record<string, string>;
  world: AwsWorld;
  /** Test API: put a spot interruption warning or rebalance recommendation on the EventBridge queue. */
  injectInstanceEvent(options: InstanceEventOptions): { instanceId: string; queue: SimQueue };
  /** The URL of a queue of the fleet's `aws.sqs` section. */
  queueUrl(name: string): string;
  /** Wait until listener opens/closes started so far are done. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const SIM_ACCESS_KEY_ID = "AKIASIMULATOR0000001";
export const SIM_SECRET_ACCESS_KEY = "rollcall-simulator-secret-not-a-real-key";

/** Validate a fleet's `aws:` section (already-validated input passes through unchanged). */
export function parseAwsFleet(fleetAws: unknown): AwsFleet {
  const parsed = awsFleetSchema.safeParse(fleetAws ?? {});
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.map((i) => ({ message: `fleet aws.${i.path.join(".")}: ${i.message}` })),
    );
  }
  return parsed.data;
}

export async function startAwsSim(
  shared: SimShared,
  fleetAws: unknown,
  options: AwsSimOptions = {},
): Promise<AwsSim> {
  const fleet = parseAwsFleet(fleetAws);
  const world = createWorld(fleet, shared);
  try {
    wireEvents(world, fleet, options.onLifecycleAction);
    populateWorld(world, fleet);
  } catch (err) {
    throw new InputError(`fleet aws: ${(err as Error).message}`);
  }
  const credentials = {
    accessKeyId: options.accessKeyId ?? SIM_ACCESS_KEY_ID,
    secretAccessKey: options.secretAccessKey ?? SIM_SECRET_ACCESS_KEY,
  };
  const { server, dropConnections } = createAwsServer(world, credentials);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, shared.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await settleIo(world);
  const { port } = server.address() as AddressInfo;
  const url = `http://${shared.host}:${port}`;
  world.sqs.baseUrl = url;
  sendTestNotifications(world);
  scheduleInstanceEvents(world, options.instanceEvents ?? [], (m) => options.onIncident?.(m));
  return {
    url,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: fleet.regions[0]!,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    world,
    injectInstanceEvent: (o) => injectInstanceEvent(world, o),
    queueUrl(name) {
      const q = world.sqs.queues.get(name);
      if (!q) throw new Error(`no queue ${name} in the fleet`);
      return q.url;
    },
    settle: () => settleIo(world),
    async close() {
      closeSqsWorld(world.sqs);
      for (const inst of world.instances.values()) {
        inst.cancelTimer?.();
        inst.pendingAction?.cancelTimer();
      }
      await settleIo(world);
      await Promise.all([...world.instances.keys()].map((id) => shared.listeners.close(id)));
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
