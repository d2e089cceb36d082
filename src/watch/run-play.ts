// The watcher's one door into the play layer: load a playbook once, then run it on a one-host
// inventory with the normal runner and reporters. Everything the watcher needs from src/play/
// goes through here, so a change in how plays are orchestrated touches only this file.

import { formatIssue, UsageError } from "../errors.js";
import type { Inventory, Vars } from "../inventory/model.js";
import { createSshConnector } from "../play/connection/ssh.js";
import type { PlayEvent } from "../play/events.js";
import { loadPlaybook } from "../play/parse/playbook.js";
import { createJsonReporter } from "../play/reporter/json.js";
import { createTextReporter } from "../play/reporter/text.js";
import { preparePlaybook } from "../play/run/prepare.js";
import { runPlaybook } from "../play/run/runner.js";
import type { Playbook } from "../play/types.js";

export type LoadedPlaybook = Playbook;

/** Parse a playbook (at startup, so a broken one stops the watcher before it takes a message). */
export async function loadWatchPlaybook(file: string, cwd: string): Promise<LoadedPlaybook> {
  const loaded = await loadPlaybook(file, cwd);
  if (!loaded.ok) throw new UsageError(loaded.issues);
  return loaded.value;
}

/** Check a playbook against a stand-in host carrying every variable an event provides. */
export async function checkWatchPlaybook(
  playbook: LoadedPlaybook,
  inventory: Inventory,
  extraVars: Vars,
  env: Record<string, string | undefined>,
): Promise<void> {
  const prepared = await preparePlaybook(playbook, inventory, { extraVars, env });
  if (!prepared.ok) throw new UsageError(prepared.issues);
}

export interface PlayRunInput {
  playbook: LoadedPlaybook;
  inventory: Inventory;
  extraVars: Vars;
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
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
  /** Ansible's: 0 ok, 2 failed, 4 unreachable, 130 interrupted; 2 also when the play cannot start. */
  exitCode: number;
  interrupted: boolean;
  /** Why the play could not start (a template naming an undefined variable…). */
  problem?: string;
}

export async function runWatchPlay(input: PlayRunInput): Promise<PlayRunResult> {
  const prepared = await preparePlaybook(input.playbook, input.inventory, {
    extraVars: input.extraVars,
    env: input.env,
  });
  if (!prepared.ok) {
    const problem = prepared.issues.map(formatIssue).join("; ");
    return { exitCode: 2, interrupted: false, problem };
  }
  const report = input.json
    ? (() => {
        const json = createJsonReporter(input.write);
        return (e: PlayEvent) => json({ ...e, ...input.tag } as PlayEvent);
      })()
    : createTextReporter({
        write: input.write,
        warn: input.warn,
        color: false,
        verbosity: input.verbosity,
        columns: 79,
      });
  const ssh = createSshConnector({
    env: input.env,
    homeDir: input.homeDir,
    defaultUser: input.env.USER || input.env.LOGNAME,
    onWarning: (m) => input.warn(`[WARNING]: ${m}\n`),
  });
  try {
    const result = await runPlaybook(prepared.value, {
      check: false,
      forks: 1,
      verbosity: input.verbosity,
      services: { connect: ssh.connect, env: input.env, cwd: input.cwd },
      onEvent: report,
      signal: input.signal,
    });
    return { exitCode: result.exitCode, interrupted: result.interrupted };
  } finally {
    await ssh.close();
  }
}
