// The play layer's front door: one call runs a playbook as `rollcall play` does — parse, settle
// what an interrupted run left in flight (--resume), load the inventory, prepare, open the run
// journal, set up the run's services (SSH pool, Spotinst clients, cache invalidation), run, and
// close the journal. `cli/play.ts` and `rollcall watch` call it. It never prints, exits or reads
// process.env: events go to `io.report`, warnings to `io.note`, and the outcome is returned as data.
import { resolve } from "node:path";
import { describeRateLimitWait } from "../cloud/spotinst/rate-limit.js";
import { ExitCode, InputError } from "../errors.js";
import { createSshConnector } from "./connection/ssh.js";
import type { PlayEvent, PlayResult } from "./events.js";
import {
  createCacheInvalidator,
  type InventoryInput,
  inventoryKeyOf,
  type LoadInventory,
  loadRunInventory,
  resolveLimit,
} from "./hosts/load.js";
import type { JournalRetention } from "./journal/prune.js";
import {
  type InFlightAction,
  type JournalSetup,
  type RunWiring,
  settleBeforeResume,
  wireRunJournal,
} from "./journal/wiring.js";
import type { PlayServices } from "./modules/types.js";
import { parseExtraVars } from "./parse/extra-vars.js";
import { loadPlaybook } from "./parse/playbook.js";
import { createLeaseRegistry } from "./recycle/lease.js";
import { leaseReopener } from "./recycle/lease-reopen.js";
import { createSpotinstClientPool } from "./recycle/spotinst-client.js";
import { formatHostList, formatTaskList } from "./run/list-hosts.js";
import type { PreparedRun } from "./run/prepare.js";
import { preparePlaybook } from "./run/prepare.js";
import { runPlaybook } from "./run/runner.js";

export type { InventoryInput, LoadInventory } from "./hosts/load.js";
export { inventoryInputOf } from "./hosts/load.js";
export type { InFlightAction } from "./journal/wiring.js";

export interface PlaySessionOptions {
  /** The playbook file, absolute or relative to `io.cwd`. */
  playbook: string;
  /** Absent: no hosts but the implicit localhost. */
  inventory?: InventoryInput;
  /** A host pattern, or `@file` with one pattern per line. */
  limit?: string;
  /** Raw `-e` values (`k=v`, `@file`, JSON/YAML): parsed here, and part of the journal's key. */
  extraVars?: readonly string[];
  check?: boolean;
  /** Hosts of a batch that run at once (default 5). */
  forks?: number;
  verbosity?: number;
  /** Continue the interrupted run of the same playbook, inventory, limit and extra vars. */
  resume?: boolean;
  /** Only check the playbook (and its names against the inventory when there is one). */
  syntaxCheck?: boolean;
  listHosts?: boolean;
  listTasks?: boolean;
  /** `--user`, `--private-key`: beat host vars and the play's `ssh:` block. */
  ssh?: { user?: string; privateKey?: string };
  /** Journal pruning limits (default: DEFAULT_RETENTION in journal/prune.ts). */
  retention?: Partial<JournalRetention>;
}

export interface SessionNote {
  /** A warning (`[WARNING]: …` in the CLI), or a progress line shown as it is. */
  level: "warning" | "info";
  message: string;
}

export interface PlaySessionIo {
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  /** Run journals live under `<stateDir>/journals`. */
  stateDir: string;
  /** The inventory cache a recycle invalidates. */
  cacheDir: string;
  /** Every runner event, in order (a text or JSON reporter, or the caller's own). */
  report: (event: PlayEvent) => void;
  note?: (note: SessionNote) => void;
  /** Abort to interrupt: settling and running tasks stop, nothing new starts. */
  signal?: AbortSignal;
  now?: () => number;
  random?: () => number;
  /** Seam for tests: how an inventory config file is loaded. */
  loadInventory?: LoadInventory;
  /** Seam for tests and callers: services that replace the session's own. */
  services?: Omit<Partial<PlayServices>, "env" | "cwd">;
}

/** --syntax-check, --list-hosts, --list-tasks: nothing ran. */
export interface ListingResult {
  kind: "listing";
  exitCode: typeof ExitCode.ok;
  text: string;
}

export interface RunResult {
  kind: "run";
  /** Ansible's: ok, hostsFailed, unreachable; or interrupted. */
  exitCode: number;
  /** The recap and per-host outcomes. */
  play: PlayResult;
  interrupted: boolean;
  /** After an interrupt: the actions that go on in the cloud. */
  inFlight: InFlightAction[];
  /** A journal records this run: `--resume` can continue it. */
  resumable: boolean;
  /** The journal could not be (fully) written; the run itself carried on. */
  journalWriteError?: string;
}

export type SessionResult = ListingResult | RunResult;

export interface PlaySession {
  result: Promise<SessionResult>;
  /** What is in flight right now; synchronous, for a hard exit (a second Ctrl-C). */
  inFlight(): InFlightAction[];
  resumable(): boolean;
}

export function runPlaySession(options: PlaySessionOptions, io: PlaySessionIo): Promise<SessionResult> {
  return startPlaySession(options, io).result;
}

export function startPlaySession(options: PlaySessionOptions, io: PlaySessionIo): PlaySession {
  const live: { wiring?: RunWiring; settling: InFlightAction[] } = { settling: [] };
  const result = runSession(options, io, live);
  return {
    result,
    inFlight: () => live.wiring?.inFlight() ?? live.settling,
    resumable: () => live.wiring?.resumable ?? (options.resume === true && options.check !== true),
  };
}

async function runSession(
  o: PlaySessionOptions,
  io: PlaySessionIo,
  live: { wiring?: RunWiring; settling: InFlightAction[] },
): Promise<SessionResult> {
  const note = io.note ?? (() => {});
  const signal = io.signal ?? new AbortController().signal;
  const loaded = await loadPlaybook(o.playbook, io.cwd);
  if (!loaded.ok) throw new InputError(loaded.issues);
  const playbook = loaded.value;
  const extra = await parseExtraVars(o.extraVars ?? [], io.cwd);
  if (extra.issues.length > 0) throw new InputError(extra.issues);
  const listing = (text: string): ListingResult => ({ kind: "listing", exitCode: ExitCode.ok, text });
  if (o.syntaxCheck && !o.inventory) return listing(`\nplaybook: ${playbook.file}\n`);
  const running = !o.syntaxCheck && !o.listHosts && !o.listTasks;
  const journal: JournalSetup = {
    stateDir: io.stateDir,
    run: {
      playbook: resolve(io.cwd, o.playbook),
      ...(o.inventory && { inventory: inventoryKeyOf(o.inventory, io.cwd) }),
      ...(o.limit !== undefined && { limit: o.limit }),
      extraVars: o.extraVars ?? [],
    },
    resume: o.resume === true,
    check: o.check === true,
    ...(o.retention && { retention: o.retention }),
    warn: (message) => note({ level: "warning", message }),
  };
  if (o.resume && running) {
    live.settling = await settleBeforeResume(journal, {
      env: io.env,
      homeDir: io.homeDir,
      signal,
      note: (m) => note({ level: "info", message: `resume: ${m}` }),
      onPending: (actions) => {
        live.settling = actions;
      },
    });
  }
  const invalidator = createCacheInvalidator(io.cacheDir);
  const verbosity = o.verbosity ?? 0;
  const inventory = await loadRunInventory(o.inventory, {
    cwd: io.cwd,
    env: io.env,
    homeDir: io.homeDir,
    cacheDir: io.cacheDir,
    refreshCache: o.resume === true,
    onCacheKeys: invalidator.onCacheKeys,
    onCacheInvalidator: invalidator.onCacheInvalidator,
    note: (n) => {
      if (n.level === "warn") note({ level: "warning", message: n.message });
      else if (verbosity > 0) note({ level: "info", message: n.message });
    },
    ...(io.loadInventory && { load: io.loadInventory }),
  });
  const limit = await resolveLimit(o.limit, io.cwd);
  const prepared = await preparePlaybook(playbook, inventory, { extraVars: extra.vars, limit, env: io.env });
  if (!prepared.ok) throw new InputError(prepared.issues);
  if (o.syntaxCheck) return listing(`\nplaybook: ${playbook.file}\n`);
  if (!running)
    return listing(
      (o.listHosts ? formatHostList(prepared.value) : "") +
        (o.listTasks ? formatTaskList(prepared.value) : ""),
    );
  // Interrupted while settling or loading: the run still opens its journal and ends at once
  // (runPlaybook starts nothing on an aborted signal), so the recap and resume line are as usual.
  live.wiring = await wireRunJournal(journal, prepared.value);
  return execute(prepared.value, live.wiring, o, { ...io, signal, note }, invalidator.invalidate);
}

async function execute(
  prepared: PreparedRun,
  wiring: RunWiring,
  o: PlaySessionOptions,
  io: PlaySessionIo & { signal: AbortSignal; note: (n: SessionNote) => void },
  invalidateInventory: () => Promise<void>,
): Promise<RunResult> {
  const verbosity = o.verbosity ?? 0;
  // One SSH pool per run (connection: ssh); closed in `finally`, so also after Ctrl-C.
  const ssh = createSshConnector({
    env: io.env,
    homeDir: io.homeDir,
    overrides: {
      ...(o.ssh?.user ? { user: o.ssh.user } : {}),
      ...(o.ssh?.privateKey ? { privateKey: keyPath(o.ssh.privateKey, io.cwd) } : {}),
    },
    defaultUser: io.env.USER || io.env.LOGNAME,
    onWarning: (message) => io.note({ level: "warning", message }),
  });
  const spotinst = createSpotinstClientPool({
    env: io.env,
    homeDir: io.homeDir,
    signal: io.signal,
    onRetry: (i) => {
      if (verbosity < 2) return;
      const message = `spotinst: retrying ${i.operation} (${i.reason}; attempt ${i.attempt}/${i.maxAttempts})`;
      io.note({ level: "info", message });
    },
    // -v: one line per rate-limit wait (the client paces itself; this says why it is slow).
    onRateLimitWait: (w) => {
      if (verbosity >= 1) io.note({ level: "info", message: `spotinst: ${describeRateLimitWait(w)}` });
    },
  });
  const leases = runLeases(io, wiring);
  try {
    if (wiring.journal?.resuming && o.check !== true) await leases.adopt();
    const play = await runPlaybook(prepared, {
      check: o.check === true,
      forks: o.forks ?? 5,
      verbosity,
      services: {
        connect: ssh.connect,
        spotinst,
        ...(wiring.journal && { journal: wiring.journal }),
        leases,
        invalidateInventory,
        ...io.services,
        env: io.env,
        cwd: io.cwd,
      },
      onEvent: (e) => {
        wiring.observe(e);
        io.report(e);
      },
      signal: io.signal,
      now: io.now,
      random: io.random,
      skipHost: wiring.skipHost,
      runFirst: wiring.runFirst,
    });
    // Before the journal's end record: a crash while releasing leaves the run resumable.
    await leases.releaseAll();
    const writeError = await wiring.finish(play.exitCode);
    return {
      kind: "run",
      exitCode: play.exitCode,
      play,
      interrupted: play.interrupted,
      inFlight: play.interrupted ? wiring.inFlight() : [],
      resumable: wiring.resumable,
      ...(writeError && { journalWriteError: writeError.message }),
    };
  } finally {
    await leases.releaseAll();
    await ssh.close();
  }
}

/**
 * One run per group at a time (recycle/lease.ts): owned by the logical run, so a --resume takes
 * its own leases back; released when the run ends, however it ends.
 */
function runLeases(io: PlaySessionIo, wiring: RunWiring) {
  return createLeaseRegistry({
    stateDir: io.stateDir,
    ...(wiring.journal && { owner: wiring.journal.runId, journal: wiring.journal }),
    reopen: leaseReopener(io.env),
  });
}

/** `~/…` is left for the SSH layer to expand against the home dir; anything else is from the cwd. */
function keyPath(path: string, cwd: string): string {
  return path.startsWith("~/") ? path : resolve(cwd, path);
}
