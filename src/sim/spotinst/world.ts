// The Spotinst side of the fake cloud: accounts, groups, stateful instances (SSIs) and plain
// group instances, built from a fleet. The HTTP server reads it; tests poke it directly.

import { createRandom } from "../core/faults.js";
import { createIdFactory } from "../core/ids.js";
import { createPortKeeper } from "../core/port-keeper.js";
import type { SimShared } from "../core/shared.js";
import type { Fleet } from "../fleet.js";
import {
  beginAction,
  failNow,
  type MachineDeps,
  type MachineGroup,
  openPorts,
  refuseAction,
  type SimSsi,
  type SsiBehaviour,
} from "./ssi-machine.js";
import type { StatefulAction } from "./wire.js";
import { buildGroup, reserveFleetIds } from "./world-build.js";

export type { SimSsi, SsiBehaviour } from "./ssi-machine.js";

export interface SimAccount {
  id: string;
  token: string;
  name?: string;
  groups: SimGroup[];
}

export interface SimGroup extends MachineGroup {
  accountId: string;
  name: string;
  description?: string;
  region: string;
  tags: Record<string, string>;
  stateful: boolean;
  instanceType: string;
  availabilityZone: string;
  subnetId: string;
  createdAt: number;
  updatedAt: number;
  ssis: SimSsi[];
  instances: SimInstance[];
}

/** An instance of a non-stateful group (what /status lists). */
export interface SimInstance {
  instanceId: string;
  groupId: string;
  privateIp: string;
  createdAt: number;
  spotRequestId: string;
  listen: boolean;
}

export type ActionResult = { ok: true } | { ok: false; status: 400 | 404; code: string; message: string };

/** Something that went wrong inside the running simulator (a port that would not bind, …). */
export interface SimIncident {
  /** The SSI or instance it happened to. */
  subject: string;
  message: string;
}

export interface SpotinstWorld {
  readonly accounts: readonly SimAccount[];
  /** Accounts a token opens, in fleet order: the first is the organisation's default account. */
  accountsForToken(token: string): SimAccount[];
  findAccount(accountId: string): SimAccount | undefined;
  findGroup(accountId: string, groupId: string): SimGroup | undefined;
  findSsi(ssiId: string): Readonly<SimSsi> | undefined;
  /** An action asked for through the API: validated, counted in shared.mutatingCalls.spotinst. */
  act(accountId: string, groupId: string, ssiId: string, action: StatefulAction): ActionResult;
  /** Someone recycles outside our tool (console, another script): not counted as our call. */
  recycleOutOfBand(ssiId: string): void;
  /** The SSI fails right now, wherever it is in its walk (tests of "ERROR anywhere"). */
  failNow(ssiId: string): void;
  /** Change how an SSI's next actions end (e.g. make the next recycle fail). */
  setOutcome(ssiId: string, behaviour: Partial<SsiBehaviour>): void;
  /** A new group image: SSIs without root persistence pick it up on their next launch. */
  setGroupImage(groupId: string, imageId: string): void;
  /** Whether the SSI's (or plain instance's) service ports are open. */
  isListening(id: string): boolean;
  /** Problems met while running (never thrown: they happen in timers). */
  readonly incidents: readonly SimIncident[];
  /** Open the listeners of every running instance. */
  start(): Promise<void>;
  /** Wait until queued listener opens and closes have finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  seed?: number;
  /** Called on each incident, e.g. a listener that cannot open after the simulator started. */
  onIncident?: (incident: SimIncident) => void;
}

// One piece (≈100 lines, ≈25 of its own): a table of small methods over the world's private
// state; each method is short, and splitting would only pass that state around.
export function createSpotinstWorld(
  shared: SimShared,
  fleet: Fleet,
  options: WorldOptions = {},
): SpotinstWorld {
  const random = createRandom((options.seed ?? 1) + 7);
  const ids = createIdFactory(random);
  const ports = createPortKeeper(shared.listeners);
  const incidents: SimIncident[] = [];
  const deps: MachineDeps = {
    shared,
    ids,
    ports,
    reportIncident(subject, err) {
      const incident = { subject, message: (err as Error)?.message ?? String(err) };
      incidents.push(incident);
      options.onIncident?.(incident);
    },
    dropSsi(ssi) {
      const group = groupsById.get(ssi.groupId);
      if (group) group.ssis = group.ssis.filter((s) => s !== ssi);
    },
  };

  reserveFleetIds(fleet, ids);
  const accounts = fleet.accounts.map<SimAccount>((a) => ({
    id: a.id,
    token: a.token,
    name: a.name,
    groups: a.groups.map((g) => buildGroup(deps, fleet, a.id, g, random)),
  }));
  const groupsById = new Map(accounts.flatMap((a) => a.groups.map((g) => [g.id, g] as const)));
  const ssisById = new Map<string, { group: SimGroup; ssi: SimSsi }>();
  for (const group of groupsById.values()) for (const ssi of group.ssis) ssisById.set(ssi.id, { group, ssi });

  const findGroup = (accountId: string, groupId: string) => {
    const group = groupsById.get(groupId);
    return group?.accountId === accountId ? group : undefined;
  };
  const lookup = (ssiId: string) => {
    const found = ssisById.get(ssiId);
    if (!found) throw new Error(`no stateful instance ${ssiId}`);
    return found;
  };

  return {
    accounts,
    accountsForToken: (token) => accounts.filter((a) => a.token === token),
    findAccount: (id) => accounts.find((a) => a.id === id),
    findGroup,
    findSsi: (id) => ssisById.get(id)?.ssi,
    act(accountId, groupId, ssiId, action) {
      const group = findGroup(accountId, groupId);
      if (!group)
        return {
          ok: false,
          status: 404,
          code: "GROUP_DOESNT_EXIST",
          message: `Group ${groupId} does not exist`,
        };
      const ssi = group.ssis.find((s) => s.id === ssiId);
      if (!ssi) {
        const message = `Stateful instance ${ssiId} does not exist in group ${groupId}`;
        return { ok: false, status: 404, code: "STATEFUL_INSTANCE_DOESNT_EXIST", message };
      }
      const refusal = refuseAction(ssi, action);
      if (refusal)
        return { ok: false, status: 400, code: "STATEFUL_INSTANCE_INVALID_STATE", message: refusal };
      shared.mutatingCalls.spotinst = (shared.mutatingCalls.spotinst ?? 0) + 1;
      beginAction(deps, group, ssi, action, "api");
      return { ok: true };
    },
    recycleOutOfBand(ssiId) {
      const { group, ssi } = lookup(ssiId);
      const refusal = refuseAction(ssi, "recycle");
      if (refusal) throw new Error(refusal);
      beginAction(deps, group, ssi, "recycle", "out-of-band");
    },
    failNow(ssiId) {
      const { group, ssi } = lookup(ssiId);
      failNow(deps, group, ssi);
    },
    setOutcome(ssiId, behaviour) {
      Object.assign(lookup(ssiId).ssi.behaviour, behaviour);
    },
    setGroupImage(groupId, imageId) {
      const group = groupsById.get(groupId);
      if (!group) throw new Error(`no group ${groupId}`);
      group.imageId = imageId;
      group.updatedAt = shared.clock.now();
    },
    isListening: (id) => ports.isOpen(id),
    incidents,
    async start() {
      const opens: Promise<void>[] = [];
      for (const group of groupsById.values()) {
        for (const ssi of group.ssis) if (ssi.state === "ACTIVE") opens.push(openPorts(deps, group, ssi));
        for (const inst of group.instances) {
          if (inst.listen && group.ports.length > 0)
            opens.push(ports.open(inst.instanceId, inst.privateIp, group.ports));
        }
      }
      await Promise.all(opens);
    },
    idle: () => ports.idle(),
    async close() {
      for (const { ssi } of ssisById.values()) ssi.cancelTimer?.();
      await ports.shutdown();
    },
  };
}
