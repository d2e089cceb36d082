// The world's records in the exact wire shapes of ./wire.ts (the simulator's own copy), the types the
// client reads as Spot documents them; the contract test checks them against the reference.
import type { SpotinstGroup, SpotinstGroupInstance, StatefulInstance } from "./wire.js";
import type { SimGroup, SimSsi } from "./world.js";

const iso = (ms: number) => new Date(ms).toISOString();

export function renderGroup(group: SimGroup): SpotinstGroup {
  const target = group.stateful ? group.ssis.length : group.instances.length;
  return {
    id: group.id,
    name: group.name,
    ...(group.description !== undefined ? { description: group.description } : {}),
    region: group.region,
    capacity: { minimum: 0, maximum: Math.max(target * 2, 1), target, unit: "instance" },
    // A Spotinst group is "stateful" by having persistence settings; the others have none.
    strategy: group.stateful
      ? {
          persistence: {
            shouldPersistPrivateIp: group.persistPrivateIp,
            shouldPersistRootDevice: group.persistRootVolume,
            shouldPersistBlockDevices: true,
            blockDevicesMode: "reattach",
          },
        }
      : {},
    compute: {
      launchSpecification: {
        imageId: group.imageId,
        tags: Object.entries(group.tags).map(([tagKey, tagValue]) => ({ tagKey, tagValue })),
      },
      availabilityZones: [{ name: group.availabilityZone, subnetIds: [group.subnetId] }],
    },
    createdAt: iso(group.createdAt),
    updatedAt: iso(group.updatedAt),
  };
}

export function renderSsi(ssi: Readonly<SimSsi>): StatefulInstance {
  return {
    id: ssi.id,
    instanceId: ssi.instanceId,
    privateIp: ssi.privateIp,
    imageId: ssi.imageId,
    state: ssi.state,
    devices: ssi.devices.map((d) => ({ ...d })),
    launchedAt: ssi.launchedAt === null ? null : iso(ssi.launchedAt),
    createdAt: iso(ssi.createdAt),
  };
}

/** GET …/status: every running instance of the group, stateful (SSIs with an instance) or not. */
export function renderStatus(group: SimGroup): SpotinstGroupInstance[] {
  const common = {
    instanceType: group.instanceType,
    product: "Linux/UNIX",
    groupId: group.id,
    availabilityZone: group.availabilityZone,
    publicIp: null,
    lockStatus: null,
    protectedUntil: null,
  };
  if (group.stateful) {
    return group.ssis.flatMap((ssi) =>
      ssi.instanceId && ssi.launchedAt !== null
        ? [
            {
              instanceId: ssi.instanceId,
              spotInstanceRequestId: null,
              ...common,
              privateIp: ssi.privateIp,
              createdAt: iso(ssi.launchedAt),
              status: "running",
            },
          ]
        : [],
    );
  }
  return group.instances.map((inst) => ({
    instanceId: inst.instanceId,
    spotInstanceRequestId: inst.spotRequestId,
    ...common,
    privateIp: inst.privateIp,
    createdAt: iso(inst.createdAt),
    status: "fulfilled",
  }));
}
