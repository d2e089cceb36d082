// The simulator's own wire shapes of the Spotinst REST API subset it serves, written from Spot's
// published API reference (docs/reference/spotinst-api.md) and deliberately independent of the
// client's cloud/spotinst/types.ts: if the client misreads a field, a fake built from the client's
// types would repeat the mistake and every test would still pass. The contract test
// (test/sim/spotinst-contract.test.ts) checks these answers against the documented field list.
export type StatefulState =
  | "ACTIVE"
  | "PAUSE"
  | "PAUSING"
  | "PAUSED"
  | "RESUME"
  | "RESUMING"
  | "RECYCLE"
  | "RECYCLING"
  | "DEALLOCATE"
  | "DEALLOCATING"
  | "DEALLOCATED"
  | "ERROR";

export type StatefulAction = "recycle" | "pause" | "resume" | "deallocate";

export interface SpotinstTag {
  tagKey: string;
  tagValue: string;
}

/** A group as returned by GET /aws/ec2/group and /aws/ec2/group/{id} (the fields we read). */
export interface SpotinstGroup {
  id: string;
  name: string;
  description?: string;
  region?: string;
  capacity?: { minimum: number; maximum: number; target: number; unit?: string };
  strategy?: {
    persistence?: {
      shouldPersistPrivateIp?: boolean;
      shouldPersistRootDevice?: boolean;
      shouldPersistBlockDevices?: boolean;
      blockDevicesMode?: "reattach" | "onLaunch";
    };
  };
  compute?: {
    launchSpecification?: { imageId?: string; tags?: SpotinstTag[] };
    availabilityZones?: { name: string; subnetIds?: string[] }[];
  };
  createdAt?: string;
  updatedAt?: string;
}

/** An item of GET /aws/ec2/group/{id}/status (instances of any group, stateful or not). */
export interface SpotinstGroupInstance {
  instanceId: string;
  spotInstanceRequestId?: string | null;
  instanceType?: string;
  product?: string;
  groupId?: string;
  availabilityZone?: string;
  privateIp?: string | null;
  publicIp?: string | null;
  createdAt?: string;
  status?: string;
  lockStatus?: string | null;
  protectedUntil?: string | null;
}

export interface StatefulDevice {
  deviceName: string;
  volumeId?: string;
  snapshotId?: string;
}

/** An item of GET /aws/ec2/group/{id}/statefulInstance ("SSI"). */
export interface StatefulInstance {
  id: string;
  instanceId?: string | null;
  privateIp?: string | null;
  imageId?: string;
  state: StatefulState;
  devices?: StatefulDevice[];
  launchedAt?: string | null;
  createdAt?: string;
}

export interface SpotinstApiErrorItem {
  code: string;
  message: string;
  field?: string;
}

export interface RequestEcho {
  id: string;
  url: string;
  method: string;
  timestamp: string;
}

export interface ResponseStatus {
  code: number;
  message: string;
}

/** A list (even of one object: GET /aws/ec2/group/{id} answers in items[0]). */
export interface ListEnvelope<T> {
  request: RequestEcho;
  response: { status: ResponseStatus; kind: string; items: T[]; count: number };
}

/** recycle / pause / resume / deallocate: a status and nothing else. */
export interface ActionEnvelope {
  request: RequestEcho;
  response: { status: ResponseStatus };
}

export interface ErrorEnvelope {
  request: RequestEcho;
  response: { status: ResponseStatus; errors: SpotinstApiErrorItem[] };
}

/** Spot's documented 429: a `data` string and no `errors[]`. */
export interface RateLimitedEnvelope {
  request: RequestEcho;
  response: { status: ResponseStatus; data: "Rate limit exceeded" };
}

export type SpotinstEnvelope = ListEnvelope<unknown> | ActionEnvelope | ErrorEnvelope | RateLimitedEnvelope;
