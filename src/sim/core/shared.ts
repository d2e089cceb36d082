// What the Spotinst fake and the AWS fake share inside one simulator process.
import type { IpAllocator } from "./addresses.js";
import type { SimClock } from "./clock.js";
import type { FaultPlan } from "./faults.js";
import type { ListenerPool } from "./listeners.js";

/** One entry of the simulator's timeline: what tests assert ordering and overlap on. */
export interface TimelineEvent {
  /** Simulated epoch ms. */
  at: number;
  type:
    | "listen-open"
    | "listen-close"
    | "state" // an instance changed state
    | "action" // a mutating API call was accepted
    | "request"; // any API request (only when request logging is on)
  /** Spotinst SSI id, Spotinst/EC2 instance id, or ASG name. */
  subject: string;
  detail: Record<string, unknown>;
}

export interface SimShared {
  clock: SimClock;
  listeners: ListenerPool;
  ips: IpAllocator;
  faults: FaultPlan;
  /** Real milliseconds added to every API response. */
  latencyMs: number;
  /** The host every API server binds to: always a loopback address. */
  host: string;
  timeline: TimelineEvent[];
  record(event: Omit<TimelineEvent, "at">): void;
  /** Counts of mutating API calls by service ("spotinst", "autoscaling", "ec2"). */
  mutatingCalls: Record<string, number>;
}
