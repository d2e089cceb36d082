// The stateful-instance state machine. Actions walk their states over simulated time; the
// instance's listeners close when it leaves ACTIVE and reopen `boot` seconds after a new
// instance is ACTIVE. Every change is recorded on the shared timeline (tests assert on it).

import type { IdFactory } from "../core/ids.js";
import type { ServicePort } from "../core/listeners.js";
import type { PortKeeper } from "../core/port-keeper.js";
import type { SimShared } from "../core/shared.js";
import type { Timings } from "../fleet.js";
import type { StatefulAction, StatefulDevice, StatefulState } from "./wire.js";

export type RecycleOutcome = "ok" | "error" | "stuck";

export interface SsiBehaviour {
  /** error: the recycle ends in ERROR; stuck: it stays RECYCLING forever. */
  recycleOutcome: RecycleOutcome;
  /** The replacement (after recycle or resume) is ACTIVE but never opens its ports. */
  neverHealthy: boolean;
  /** Open ports at all (false: a host that never listens). */
  listen: boolean;
}

/** The parts of a group the machine reads. */
export interface MachineGroup {
  id: string;
  imageId: string;
  rootSnapshotId: string;
  persistPrivateIp: boolean;
  persistRootVolume: boolean;
  ports: ServicePort[];
  timings: Timings;
  /** short: ACTIVE → RECYCLING → ACTIVE; long: initiating states, and a recycle through PAUSED. */
  stateWalk: "short" | "long";
  /** A DEALLOCATED SSI leaves the group's list. */
  dropDeallocated: boolean;
}

export interface SimSsi {
  id: string;
  groupId: string;
  state: StatefulState;
  instanceId: string | null;
  privateIp: string | null;
  /** The persisted ENI's address (persist_private_ip), kept while paused. */
  heldIp: string | null;
  imageId: string;
  devices: StatefulDevice[];
  /** Simulated epoch ms; null while no instance runs. */
  launchedAt: number | null;
  createdAt: number;
  behaviour: SsiBehaviour;
  /** The action in flight: a second one is refused until it ends. */
  pending: StatefulAction | null;
  /** Bumped on every launch, so a late boot timer cannot open ports for an older instance. */
  generation: number;
  cancelTimer?: () => void;
}

export interface MachineDeps {
  shared: SimShared;
  ids: IdFactory;
  ports: PortKeeper;
  /** A failure inside a timer: nobody to throw to, so it is reported instead. */
  reportIncident(subject: string, err: unknown): void;
  /** Take a DEALLOCATED SSI out of its group's list (drop_deallocated). */
  dropSsi(ssi: SimSsi): void;
}

export type ActionSource = "api" | "out-of-band";

const ALLOWED_FROM: Record<StatefulAction, readonly StatefulState[]> = {
  recycle: ["ACTIVE"],
  pause: ["ACTIVE"],
  resume: ["PAUSED"],
  deallocate: ["ACTIVE", "PAUSED", "ERROR"],
};

/** Why `action` cannot start now, or undefined when it can. */
export function refuseAction(ssi: SimSsi, action: StatefulAction): string | undefined {
  if (ssi.pending)
    return `Can't ${action} stateful instance ${ssi.id}: a ${ssi.pending} is already in progress`;
  const allowed = ALLOWED_FROM[action];
  if (!allowed.includes(ssi.state)) {
    return `Can't ${action} stateful instance ${ssi.id} in state ${ssi.state} (needs ${allowed.join(" or ")})`;
  }
  return undefined;
}

export function beginAction(
  deps: MachineDeps,
  group: MachineGroup,
  ssi: SimSsi,
  action: StatefulAction,
  source: ActionSource,
): void {
  ssi.cancelTimer?.();
  ssi.pending = action;
  deps.shared.record({
    type: "action",
    subject: ssi.id,
    detail: { service: "spotinst", action, groupId: group.id, source },
  });
  const run = () => PHASES[action](deps, group, ssi);
  // The long walk shows the documented "action initiated" state while the action is accepted.
  // The short one keeps the old state instead: the race real clients must survive.
  if (group.stateWalk === "long") setState(deps, group, ssi, INITIATING[action]);
  if (group.timings.accept > 0) schedule(deps, ssi, group.timings.accept, run);
  else run();
}

const INITIATING: Record<StatefulAction, StatefulState> = {
  recycle: "RECYCLE",
  pause: "PAUSE",
  resume: "RESUME",
  deallocate: "DEALLOCATE",
};

type Phase = (deps: MachineDeps, group: MachineGroup, ssi: SimSsi) => void;

const PHASES: Record<StatefulAction, Phase> = {
  recycle(deps, group, ssi) {
    setState(deps, group, ssi, "RECYCLING");
    closePorts(deps, ssi);
    schedule(deps, ssi, group.timings.recycleStop, () => {
      terminate(ssi);
      if (ssi.behaviour.recycleOutcome === "stuck") return;
      const start = () =>
        schedule(deps, ssi, group.timings.recycleStart, () => {
          ssi.pending = null;
          if (ssi.behaviour.recycleOutcome === "error") {
            setState(deps, group, ssi, "ERROR");
            return;
          }
          launch(deps, group, ssi);
          setState(deps, group, ssi, "ACTIVE");
          bootReplacement(deps, group, ssi);
        });
      if (group.stateWalk === "short") return start();
      // Spot describes a recycle as a pause followed by a resume.
      setState(deps, group, ssi, "PAUSED");
      schedule(deps, ssi, group.timings.recyclePaused, () => {
        setState(deps, group, ssi, "RESUMING");
        start();
      });
    });
  },
  pause(deps, group, ssi) {
    setState(deps, group, ssi, "PAUSING");
    closePorts(deps, ssi);
    schedule(deps, ssi, group.timings.pause, () => {
      terminate(ssi);
      ssi.pending = null;
      setState(deps, group, ssi, "PAUSED");
    });
  },
  resume(deps, group, ssi) {
    setState(deps, group, ssi, "RESUMING");
    schedule(deps, ssi, group.timings.resume, () => {
      launch(deps, group, ssi);
      ssi.pending = null;
      setState(deps, group, ssi, "ACTIVE");
      bootReplacement(deps, group, ssi);
    });
  },
  deallocate(deps, group, ssi) {
    setState(deps, group, ssi, "DEALLOCATING");
    closePorts(deps, ssi);
    schedule(deps, ssi, group.timings.deallocate, () => {
      terminate(ssi);
      ssi.heldIp = null;
      ssi.privateIp = null;
      ssi.devices = [];
      ssi.pending = null;
      setState(deps, group, ssi, "DEALLOCATED", group.dropDeallocated);
      if (group.dropDeallocated) deps.dropSsi(ssi);
    });
  },
};

/** The instance fails now, whatever it was doing: ERROR, no instance, ports closed. */
export function failNow(deps: MachineDeps, group: MachineGroup, ssi: SimSsi): void {
  ssi.cancelTimer?.();
  ssi.cancelTimer = undefined;
  ssi.pending = null;
  closePorts(deps, ssi);
  terminate(ssi);
  setState(deps, group, ssi, "ERROR");
}

/** Start a new instance for the SSI: new id, launch time, root volume; a new IP unless persisted. */
export function launch(deps: Pick<MachineDeps, "shared" | "ids">, group: MachineGroup, ssi: SimSsi): void {
  ssi.generation++;
  ssi.instanceId = deps.ids.instanceId();
  if (group.persistPrivateIp) {
    ssi.heldIp ??= deps.shared.ips.next();
    ssi.privateIp = ssi.heldIp;
  } else {
    ssi.privateIp = deps.shared.ips.next();
  }
  ssi.launchedAt = deps.shared.clock.now();
  // Root persistence restores the old root volume, so the old image survives a group image change.
  if (!group.persistRootVolume) ssi.imageId = group.imageId;
  ssi.devices = [
    {
      deviceName: "/dev/xvda",
      volumeId: deps.ids.volumeId(),
      snapshotId: group.persistRootVolume ? deps.ids.snapshotId() : group.rootSnapshotId,
    },
  ];
}

/** Open the instance's service ports, for an instance that is ACTIVE now. */
export function openPorts(deps: MachineDeps, group: MachineGroup, ssi: SimSsi): Promise<void> {
  if (group.ports.length === 0 || !ssi.privateIp || !ssi.behaviour.listen) return Promise.resolve();
  return deps.ports.open(ssi.id, ssi.privateIp, group.ports);
}

function bootReplacement(deps: MachineDeps, group: MachineGroup, ssi: SimSsi): void {
  if (ssi.behaviour.neverHealthy) return;
  const generation = ssi.generation;
  const open = () => {
    if (ssi.generation !== generation || ssi.state !== "ACTIVE") return;
    openPorts(deps, group, ssi).catch((err) => deps.reportIncident(ssi.id, err));
  };
  if (group.timings.boot > 0) schedule(deps, ssi, group.timings.boot, open);
  else open();
}

function terminate(ssi: SimSsi): void {
  ssi.instanceId = null;
  ssi.launchedAt = null;
  ssi.privateIp = ssi.heldIp;
}

function closePorts(deps: MachineDeps, ssi: SimSsi): void {
  deps.ports.close(ssi.id).catch((err) => deps.reportIncident(ssi.id, err));
}

function schedule(deps: MachineDeps, ssi: SimSsi, simSeconds: number, fn: () => void): void {
  ssi.cancelTimer = deps.shared.clock.after(simSeconds * 1000, () => {
    ssi.cancelTimer = undefined;
    try {
      fn();
    } catch (err) {
      // An exception here would be uncaught and kill the process: fail the SSI instead.
      deps.reportIncident(ssi.id, err);
      const from = ssi.state;
      ssi.pending = null;
      ssi.instanceId = null;
      ssi.state = "ERROR";
      deps.shared.record({
        type: "state",
        subject: ssi.id,
        detail: { service: "spotinst", groupId: ssi.groupId, from, to: "ERROR", incident: String(err) },
      });
    }
  });
}

function setState(
  deps: MachineDeps,
  group: MachineGroup,
  ssi: SimSsi,
  to: StatefulState,
  dropped = false,
): void {
  const from = ssi.state;
  ssi.state = to;
  deps.shared.record({
    type: "state",
    subject: ssi.id,
    detail: {
      service: "spotinst",
      groupId: group.id,
      from,
      to,
      instanceId: ssi.instanceId,
      privateIp: ssi.privateIp,
      ...(dropped && { dropped: true }),
    },
  });
}
