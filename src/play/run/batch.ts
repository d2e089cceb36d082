// One serial batch, in Ansible's linear (lockstep) strategy: each step runs the earliest pending
// task on every host waiting for it (concurrently, up to --forks), then applies the failure
// policies (any_errors_fatal, max_fail_percentage) before the next step.
import pLimit from "p-limit";
import { renderString } from "../../template/engine.js";
import {
  emptyStats,
  type HostOutcome,
  type HostStats,
  type PlayInfo,
  type TaskInfo,
  type UnreachableDetail,
} from "../events.js";
import { type Block, type Play, type Task, type TaskNode, taskLabel } from "../types.js";
import type { Engine, TaskRun } from "./engine.js";
import { executeTask, type TaskOutcome } from "./task.js";

/** Run-wide host bookkeeping, shared by every batch and play. */
export interface RunState {
  stats: Map<string, HostStats>;
  /** Hosts that failed: they sit out later plays, and make the exit code 2. */
  failed: Set<string>;
  /** Unreachable hosts and why: they sit out later plays, and make the exit code 4. */
  unreachable: Map<string, UnreachableDetail>;
}

export interface BatchResult {
  outcomes: Record<string, HostOutcome>;
  /** max_fail_percentage or any_errors_fatal fired: the playbook stops after this batch. */
  breakPlay: boolean;
  /** Every host of the batch failed or was unreachable: the playbook stops. */
  allFailed: boolean;
  interrupted: boolean;
}

type Walker = Generator<Task, boolean, TaskOutcome>;

interface HostRun {
  host: string;
  walker: Walker;
  next?: Task;
  done: boolean;
  /** The walk ended failed, or a policy marked the host failed. */
  failed: boolean;
  unreachable: boolean;
  reported: boolean;
}

export async function runBatch(
  engine: Engine,
  play: Play,
  playInfo: PlayInfo,
  hosts: string[],
  state: RunState,
): Promise<BatchResult> {
  const limit = pLimit(Math.max(1, engine.forks));
  const runs = hosts.map((host) => startHost(host, play.tasks));
  const done = (hr: HostRun, outcome: HostOutcome) => {
    if (hr.reported) return;
    hr.reported = true;
    if (outcome === "failed") state.failed.add(hr.host);
    const unreachable = outcome === "unreachable" ? state.unreachable.get(hr.host) : undefined;
    engine.emit({
      type: "host_done",
      play: playInfo,
      host: hr.host,
      outcome,
      ...(unreachable && { unreachable }),
    });
  };
  const b: BatchRun = { engine, play, playInfo, state, runs, done };
  for (const hr of runs) if (hr.done) done(hr, "ok");
  let breakPlay = false;
  let interrupted = false;
  while (true) {
    if (engine.signal.aborted) {
      interrupted = true;
      break;
    }
    const active = runs.filter((h) => h.next && !h.done);
    if (active.length === 0) break;
    const task = active.reduce((a, h) => (h.next!.index < a.index ? h.next! : a), active[0]!.next!);
    const runners = active.filter((h) => h.next === task);
    const info = taskInfo(engine, task);
    engine.emit({ type: "task_start", play: playInfo, task: info, hosts: runners.map((h) => h.host) });
    const outcomes = await runStep(engine, { engine, play, playInfo, task, info, host: "" }, runners, limit);
    const step = recordStep(b, task, info, runners, outcomes);
    if (engine.signal.aborted) {
      // Failures caused by the interrupt are not the play's: no policies, just stop.
      interrupted = true;
      break;
    }
    const policy = applyPolicies(b, task, step, breakPlay);
    breakPlay = policy.breakPlay;
    if (policy.stop) break;
  }
  const entries: [string, HostOutcome][] = [];
  for (const hr of runs) {
    const outcome: HostOutcome = hr.unreachable ? "unreachable" : hr.failed ? "failed" : "ok";
    if (!interrupted) done(hr, outcome);
    entries.push([hr.host, outcome]);
  }
  // fromEntries: keyed by host names, "__proto__" included.
  const outcomes: Record<string, HostOutcome> = Object.fromEntries(entries);
  const allFailed = runs.every((h) => h.failed || h.unreachable);
  return { outcomes, breakPlay, allFailed, interrupted };
}

/** What a batch's steps share. */
interface BatchRun {
  engine: Engine;
  play: Play;
  playInfo: PlayInfo;
  state: RunState;
  runs: HostRun[];
  /** Report a host's outcome for the play (once). */
  done: (hr: HostRun, outcome: HostOutcome) => void;
}

interface StepResult {
  /** Hosts whose task failed (not ignored, not rescued). */
  failed: HostRun[];
  unreachable: boolean;
}

/** Count each host's outcome, take unreachable hosts out, and move each host to its next task. */
function recordStep(
  b: BatchRun,
  task: Task,
  info: TaskInfo,
  runners: HostRun[],
  outcomes: Map<HostRun, StepOutcome>,
): StepResult {
  const step: StepResult = { failed: [], unreachable: false };
  for (const hr of runners) {
    const o = outcomes.get(hr)!;
    if (o.counted) count(b.state, hr.host, o);
    if (o.status === "unreachable") {
      hr.unreachable = hr.done = true;
      step.unreachable = true;
      b.state.unreachable.set(hr.host, o.unreachable ?? { message: "unreachable" });
      b.done(hr, "unreachable");
      continue;
    }
    if (o.status === "failed" && !o.ignored && !o.rescued) step.failed.push(hr);
    if (o.rescued) {
      b.engine.store.setFacts(hr.host, {
        ansible_failed_task: { name: info.name, action: task.action, path: info.path },
        ansible_failed_result: o.result,
      });
    }
    advance(hr, o);
    if (hr.done) b.done(hr, hr.failed ? "failed" : "ok");
  }
  return step;
}

/**
 * any_errors_fatal (and run-once tasks), max_fail_percentage, and "every host failed".
 * `breakPlayBefore`: a policy fired in an earlier step of this batch.
 */
function applyPolicies(
  b: BatchRun,
  task: Task,
  step: StepResult,
  breakPlayBefore: boolean,
): { breakPlay: boolean; stop: boolean } {
  const { engine, play, playInfo } = b;
  const left = b.runs.filter((h) => !h.unreachable);
  const failedCount = () => left.filter((h) => h.failed).length;
  const markFailed = (hr: HostRun) => {
    hr.failed = hr.done = true;
    hr.next = undefined;
    b.done(hr, "failed");
  };
  let breakPlay = breakPlayBefore;
  const fatal =
    (task.anyErrorsFatal || task.module.runOnce === true) && (step.failed.length > 0 || step.unreachable);
  if (fatal) {
    // Hosts busy in a rescue/always section finish it; every other host is failed.
    for (const hr of left) if (!hr.next?.inRecovery) markFailed(hr);
    breakPlay = true;
  }
  if (play.maxFailPercentage !== undefined && failedCount() / b.runs.length > play.maxFailPercentage / 100) {
    for (const hr of left) if (!step.failed.includes(hr)) markFailed(hr);
    engine.emit({ type: "no_more_hosts", play: playInfo, reason: "max_fail_percentage" });
    breakPlay = true;
  }
  if (breakPlay && failedCount() >= left.length) {
    // Ansible announces it again here (so twice after max_fail_percentage).
    const reason = fatal ? "any_errors_fatal" : "all_failed";
    engine.emit({ type: "no_more_hosts", play: playInfo, reason });
    return { breakPlay, stop: true };
  }
  return { breakPlay, stop: false };
}

type StepOutcome = TaskOutcome & { counted: boolean };

async function runStep(engine: Engine, base: TaskRun, runners: HostRun[], limit: ReturnType<typeof pLimit>) {
  const outcomes = new Map<HostRun, StepOutcome>();
  if (base.task.module.runOnce) {
    // Ansible's BYPASS_HOST_LOOP: the first host runs it; the others share its result.
    const o = await executeTask({ ...base, host: runners[0]!.host });
    runners.forEach((hr, i) => {
      outcomes.set(hr, { ...o, counted: i === 0 });
      if (i > 0 && base.task.register) engine.store.setFacts(hr.host, { [base.task.register]: o.result });
    });
    return outcomes;
  }
  await Promise.all(
    runners.map((hr) =>
      limit(async () => {
        outcomes.set(hr, { ...(await executeTask({ ...base, host: hr.host })), counted: true });
      }),
    ),
  );
  return outcomes;
}

function count(state: RunState, host: string, o: TaskOutcome): void {
  const s = state.stats.get(host) ?? emptyStats();
  state.stats.set(host, s);
  if (o.status === "unreachable") s.unreachable++;
  else if (o.status === "failed") {
    if (o.ignored) {
      s.ok++;
      s.ignored++;
      if (o.result.changed === true) s.changed++;
    } else if (o.rescued) s.rescued++;
    else s.failed++;
  } else if (o.status === "skipped") s.skipped++;
  else {
    s.ok++;
    if (o.status === "changed") s.changed++;
  }
}

function startHost(host: string, tasks: TaskNode[]): HostRun {
  const hr: HostRun = {
    host,
    walker: walkNodes(tasks),
    done: false,
    failed: false,
    unreachable: false,
    reported: false,
  };
  advance(hr);
  return hr;
}

function advance(hr: HostRun, outcome?: TaskOutcome): void {
  const r = outcome === undefined ? hr.walker.next() : hr.walker.next(outcome);
  if (r.done) {
    hr.done = true;
    hr.failed = r.value;
    hr.next = undefined;
  } else hr.next = r.value;
}

/** A host's path through the tasks: yields each task, receives its outcome; returns "failed". */
function* walkNodes(nodes: TaskNode[]): Walker {
  for (const node of nodes) {
    const failed = node.kind === "task" ? yield* walkTask(node) : yield* walkBlock(node);
    if (failed) return true;
  }
  return false;
}

function* walkTask(task: Task): Walker {
  const o = yield task;
  return o.status === "failed" && !o.ignored;
}

function* walkBlock(b: Block): Walker {
  let failed = yield* walkNodes(b.block);
  if (failed && b.rescue.length > 0) failed = yield* walkNodes(b.rescue);
  if (b.always.length > 0) failed = (yield* walkNodes(b.always)) || failed;
  return failed;
}

function taskInfo(engine: Engine, task: Task): TaskInfo {
  let name = taskLabel(task);
  try {
    name = String(renderString(name, engine.store.playScope()));
  } catch {
    // Ansible shows the raw name when it needs host variables.
  }
  const { file, line, col } = task.at;
  return {
    index: task.index,
    name,
    action: task.action,
    path: `${file}:${line}:${col}`,
    checkMode: task.checkMode ?? engine.check,
    loop: task.loop !== undefined,
  };
}
