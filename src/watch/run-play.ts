// The watcher's one door into the play layer. An event's play runs through the play session
// (src/play/session.ts), as `rollcall play` does — same runner, services, journal and reporters —
// on the event's one-host inventory, with the event's vars as extra vars. Everything the watcher
// needs from src/play/ goes through this file.
import { InputError, UsageError } from "../errors.js";
import type { Inventory, Vars } from "../inventory/model.js";
import type { PlayEvent } from "../play/events.js";
import { loadPlaybook } from "../play/parse/playbook.js";
import { formatJsonEvent } from "../play/reporter/json.js";
import { createTextReporter } from "../play/reporter/text.js";
import { preparePlaybook } from "../play/run/prepare.js";
import { runPlaySession } from "../play/session.js";
import type { Playbook } from "../play/types.js";

/** Parse a playbook at start-up, so a broken one stops the watcher before it takes a message. */
export async function loadWatchPlaybook(file: string, cwd: string): Promise<Playbook> {
  const loaded = await loadPlaybook(file, cwd);
  if (!loaded.ok) throw new InputError(loaded.issues);
  return loaded.value;
}

/** Check a playbook against a stand-in host carrying every variable an event provides. */
export async function checkWatchPlaybook(
  playbook: Playbook,
  inventory: Inventory,
  extraVars: Vars,
  env: Record<string, string | undefined>,
): Promise<void> {
  const prepared = await preparePlaybook(playbook, inventory, { extraVars, env });
  if (!prepared.ok) throw new InputError(prepared.issues);
}

export interface PlayRunInput {
  /** Absolute path of the playbook. */
  playbook: string;
  inventory: Inventory;
  /** Names the run in its journal, e.g. `watch:<message id>`. */
  name: string;
  extraVars: Vars;
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  stateDir: string;
  cacheDir: string;
  /** Aborting stops the play (its tasks are aborted, nothing new starts). */
  signal: AbortSignal;
  json: boolean;
  verbosity: number;
  /** Text output (already tagged by the caller) or JSON lines. */
  write(text: string): void;
  warn(text: string): void;
  /** JSON mode: every runner event gets these fields (the message id). */
  tag: Record<string, unknown>;
}

export interface PlayRunResult {
  /** ansible-playbook's (docs/exit-codes.md): 0 ok, 2 failed, 4 unreachable, 99 interrupted; 4 (or 1) when the play cannot start. */
  exitCode: number;
  interrupted: boolean;
  /** Why the play could not start (a template naming an undefined variable…). */
  problem?: string;
}

export async function runWatchPlay(input: PlayRunInput): Promise<PlayRunResult> {
  const report = input.json
    ? (e: PlayEvent) => input.write(formatJsonEvent({ ...e, ...input.tag } as PlayEvent))
    : createTextReporter({
        write: input.write,
        warn: input.warn,
        color: false,
        verbosity: input.verbosity,
        columns: 79,
      });
  try {
    const result = await runPlaySession(
      {
        playbook: input.playbook,
        inventory: { type: "memory", inventory: input.inventory, name: input.name },
        // Data, not text to split: one JSON mapping, parsed back into the same values.
        extraVars: [JSON.stringify(input.extraVars)],
        forks: 1,
        verbosity: input.verbosity,
      },
      {
        env: input.env,
        cwd: input.cwd,
        homeDir: input.homeDir,
        stateDir: input.stateDir,
        cacheDir: input.cacheDir,
        report,
        note: (n) => input.warn(n.level === "warning" ? `[WARNING]: ${n.message}\n` : `${n.message}\n`),
        signal: input.signal,
      },
    );
    if (result.kind !== "run") return { exitCode: result.exitCode, interrupted: false };
    return { exitCode: result.exitCode, interrupted: result.interrupted };
  } catch (err) {
    if (err instanceof UsageError)
      return { exitCode: err.exitCode, interrupted: false, problem: err.message };
    throw err;
  }
}
