// Turning a fleet into world records: ids (the fleet's own, or seeded), addresses, back-dated
// launch times, and the initial state of each stateful instance.

import type { IdFactory } from "../core/ids.js";
import type { ServicePort } from "../core/listeners.js";
import type { Fleet, FleetGroup, FleetInstance } from "../fleet.js";
import { instancesOf, resolveTimings } from "../fleet.js";
import { launch, type MachineDeps, type SimSsi } from "./ssi-machine.js";
import type { SimGroup } from "./world.js";

const HOUR_MS = 3_600_000;

export function reserveFleetIds(fleet: Fleet, ids: IdFactory): void {
  for (const a of fleet.accounts) {
    for (const g of a.groups) {
      if (g.id) ids.reserve(g.id);
      for (const i of g.instances ?? []) if (i.id) ids.reserve(i.id);
    }
  }
}

export function buildGroup(
  deps: MachineDeps,
  fleet: Fleet,
  accountId: string,
  spec: FleetGroup,
  random: () => number,
): SimGroup {
  const now = deps.shared.clock.now();
  const group: SimGroup = {
    accountId,
    id: spec.id ?? deps.ids.groupId(),
    name: spec.name,
    description: spec.description,
    region: spec.region,
    tags: spec.tags,
    stateful: spec.stateful,
    persistPrivateIp: spec.persist_private_ip,
    persistRootVolume: spec.persist_root_volume,
    imageId: spec.image_id ?? deps.ids.imageId(),
    rootSnapshotId: deps.ids.snapshotId(),
    instanceType: spec.instance_type,
    availabilityZone: `${spec.region}a`,
    subnetId: deps.ids.subnetId(),
    ports: spec.ports.map(toServicePort),
    timings: resolveTimings(fleet, spec),
    stateWalk: spec.state_walk,
    dropDeallocated: spec.drop_deallocated,
    createdAt: now - 90 * 24 * HOUR_MS,
    updatedAt: now - 7 * 24 * HOUR_MS,
    ssis: [],
    instances: [],
  };
  const specs = instancesOf(spec);
  specs.forEach((inst, k) => {
    // Older instances first, an hour apart (plus jitter), so `order: oldest_first` has an order to follow.
    const launchedAt = now - (specs.length - k) * HOUR_MS - Math.floor(random() * 600_000);
    const listen = inst.listen ?? spec.listen;
    if (spec.stateful) {
      const ssi = buildSsi(deps, group, inst, listen, launchedAt);
      if (!(ssi.state === "DEALLOCATED" && group.dropDeallocated)) group.ssis.push(ssi);
    } else {
      group.instances.push({
        instanceId: deps.ids.instanceId(),
        groupId: group.id,
        privateIp: deps.shared.ips.next(),
        createdAt: launchedAt,
        spotRequestId: deps.ids.spotRequestId(),
        listen,
      });
    }
  });
  return group;
}

function buildSsi(
  deps: MachineDeps,
  group: SimGroup,
  spec: FleetInstance,
  listen: boolean,
  launchedAt: number,
): SimSsi {
  const ssi: SimSsi = {
    id: spec.id ?? deps.ids.ssiId(),
    groupId: group.id,
    state: spec.state,
    instanceId: null,
    privateIp: null,
    heldIp: null,
    imageId: group.imageId,
    devices: [],
    launchedAt: null,
    createdAt: launchedAt - 30 * 24 * HOUR_MS,
    behaviour: { recycleOutcome: spec.recycle_outcome, neverHealthy: spec.never_healthy, listen },
    pending: null,
    generation: 0,
  };
  if (spec.state === "ACTIVE") {
    launch(deps, group, ssi);
    ssi.launchedAt = launchedAt;
  } else if (spec.state !== "DEALLOCATED") {
    // A paused or failed SSI keeps its volumes, and its ENI when the group persists private IPs.
    ssi.devices = [
      { deviceName: "/dev/xvda", volumeId: deps.ids.volumeId(), snapshotId: deps.ids.snapshotId() },
    ];
    if (group.persistPrivateIp) ssi.heldIp = ssi.privateIp = deps.shared.ips.next();
  }
  return ssi;
}

function toServicePort(p: FleetGroup["ports"][number]): ServicePort {
  return {
    port: p.port,
    ...(p.banner !== undefined ? { banner: p.banner } : {}),
    ...(p.http_path !== undefined ? { http: { path: p.http_path } } : {}),
  };
}
