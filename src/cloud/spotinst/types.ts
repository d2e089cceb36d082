// Wire types of the Spotinst (Spot.io) Elastigroup REST API subset the client reads.
// The simulator keeps its own copy (sim/spotinst/wire.ts) on purpose: an independent fake catches
// a field the client misreads. Shapes follow docs/reference/spotinst-api.md.

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

/** The envelope every response (success or error) comes in. */
export interface SpotinstEnvelope<T> {
  request: { id: string; url: string; method: string; timestamp: string };
  response: {
    status: { code: number; message: string };
    kind?: string;
    items?: T[];
    count?: number;
    errors?: SpotinstApiErrorItem[];
    /** Spot's 429 body carries "Rate limit exceeded" here instead of errors[]. */
    data?: unknown;
  };
}
