// The playbook runner: plays → serial batches → lockstep steps. It emits events, never prints,
// and returns a PlayResult with the recap and Ansible's exit code.
import { setMaxListeners } from "node:events";
import { ExitCode } from "../../errors.js";
import type { HostStats, PlayEvent, PlayInfo, PlayResult } from "../events.js";
import type { PlayServices } from "../modules/types.js";
import { type RunState, runBatch } from "./batch.js";
import { orderHosts, serialBatches } from "./batches.js";
import type { Engine } from "./engine.js";
import type { PreparedPlay, PreparedRun } from "./prepare.js";
import { VarStore } from "./vars.js";

export interface RunOptions {
  check: boolean;
  /** Hosts of a batch run concurrently up to this many (default 5). */
  forks: number;
  verbosity: number;
  services: PlayServices;
  onEvent: (event: PlayEvent) => void;
  /** Abort to stop (Ctrl-C): running tasks are aborted, nothing new starts. */
  signal?: AbortSignal;
  now?: () => number;
  /** For `order: shuffle` (injectable for tests). */
  random?: () => number;
  /**
   * --resume: a reason to leave a host out of a play (it finished that play in the interrupted
   * run), or undefined to run it. Such hosts are announced with `host_skipped`, not run.
   */
  skipHost?: (play: PlayInfo, host: string) => string | undefined;
  /**
   * --resume: hosts with an action still in flight go first, whatever `order` says, so the
   * interrupted host is finished (its port waited for) before another one is taken out.
   */
  runFirst?: (play: PlayInfo, host: string) => boolean;
}

export async function runPlaybook(prepared: PreparedRun, options: RunOptions): Promise<PlayResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const base = { playbook_dir: prepared.playbook.dir, ansible_verbosity: options.verbosity };
  const engine: Engine = {
    playbook: prepared.playbook,
    view: prepared.view,
    store: new VarStore(prepared.view, prepared.extraVars, options.services.env, base),
    check: options.check,
    verbosity: options.verbosity,
    forks: options.forks,
    services: options.services,
    signal: options.signal ?? new AbortController().signal,
    emit: options.onEvent,
    now,
    random: options.random ?? Math.random,
  };
  // Every running task (up to --forks) listens for Ctrl-C on this one signal.
  setMaxListeners(0, engine.signal);
  const state: RunState = { stats: new Map(), failed: new Set(), unreachable: new Map() };
  engine.emit({
    type: "playbook_start",
    file: prepared.playbook.file,
    plays: prepared.plays.length,
    check: options.check,
  });
  const ending: PlayEnding = { breakPlay: false, interrupted: false, stop: false };
  for (const p of prepared.plays) {
    await runPlay(engine, p, state, options, ending);
    if (ending.stop) break;
  }
  const { breakPlay, interrupted } = ending;
  const exitCode = interrupted
    ? ExitCode.interrupted
    : breakPlay && state.failed.size > 0
      ? ExitCode.hostsFailed
      : state.unreachable.size > 0
        ? ExitCode.unreachable
        : state.failed.size > 0
          ? ExitCode.hostsFailed
          : ExitCode.ok;
  // fromEntries: a host named "__proto__" gets its recap line like any other.
  const stats: Record<string, HostStats> = Object.fromEntries(
    [...state.stats.keys()].sort().map((h) => [h, state.stats.get(h)!]),
  );
  const elapsedMs = now() - started;
  engine.emit({ type: "playbook_end", stats, exitCode, elapsedMs, interrupted });
  return {
    exitCode,
    stats,
    failedHosts: [...state.failed].sort(),
    unreachableHosts: [...state.unreachable.keys()].sort(),
    unreachable: Object.fromEntries([...state.unreachable].sort(([a], [b]) => a.localeCompare(b))),
    elapsedMs,
    interrupted,
  };
}

/** How the plays so far ended: the playbook stops at the first play with `stop`. */
interface PlayEnding {
  /** max_fail_percentage or any_errors_fatal fired in some batch. */
  breakPlay: boolean;
  interrupted: boolean;
  stop: boolean;
}

/** One play: its hosts (minus earlier failures and --resume's finished ones), in order, by batch. */
async function runPlay(
  engine: Engine,
  p: PreparedPlay,
  state: RunState,
  options: RunOptions,
  ending: PlayEnding,
): Promise<void> {
  const { play } = p;
  const playInfo: PlayInfo = { index: play.index, name: play.name };
  const checkMode = play.checkMode ?? options.check;
  // Hosts that failed or were unreachable in an earlier play sit this one out.
  const eligible = p.hosts.filter((h) => !state.failed.has(h) && !state.unreachable.has(h));
  const resumed = new Map<string, string>();
  for (const h of eligible) {
    const reason = options.skipHost?.(playInfo, h);
    if (reason !== undefined) resumed.set(h, reason);
  }
  const ordered = orderHosts(
    eligible.filter((h) => !resumed.has(h)),
    play.order,
    (h) => engine.view.vars.get(h) ?? {},
    engine.random,
  );
  const first = (h: string) => options.runFirst?.(playInfo, h) === true;
  const hosts = [...ordered.filter(first), ...ordered.filter((h) => !first(h))];
  for (const message of p.warnings) engine.emit({ type: "warning", message });
  engine.store.startPlay({ name: play.name, vars: p.vars, hosts, checkMode });
  engine.emit({ type: "play_start", play: playInfo, hosts, check: checkMode });
  for (const [host, reason] of resumed) engine.emit({ type: "host_skipped", play: playInfo, host, reason });
  if (hosts.length === 0 && resumed.size === 0) engine.emit({ type: "no_hosts_matched", play: playInfo });
  const batches = serialBatches(hosts, play.serial);
  for (const [i, batch] of batches.entries()) {
    engine.store.startBatch(batch);
    engine.emit({ type: "batch_start", play: playInfo, batch: i + 1, batches: batches.length, hosts: batch });
    const r = await runBatch(engine, play, playInfo, batch, state);
    engine.emit({ type: "batch_end", play: playInfo, batch: i + 1, hosts: r.outcomes });
    ending.breakPlay ||= r.breakPlay;
    ending.interrupted = r.interrupted;
    if (r.interrupted || r.breakPlay || r.allFailed) {
      ending.stop = true;
      break;
    }
  }
  engine.emit({ type: "play_end", play: playInfo });
}
