// The module seam. A module is a plain object registered in `modules/index.ts`; the engine
// templates its parameters, validates them against `params`, and calls `run` once per host (and
// loop item, and retry). Modules never read process.env, never print and never throw for a host
// failure: they return a result with `failed: true` (or `unreachable: true`).
import type { z } from "zod";
import type { Vars } from "../../inventory/model.js";
import type { BecomeSpec, Connection } from "../connection/connection.js";

/**
 * What a module returns: Ansible's result dictionary. The engine fills in `changed: false` and
 * `failed` (from a non-zero `rc`) when missing. Keys starting with `_ansible_` are display hints
 * (e.g. `_ansible_verbose_always`) and never reach registered variables or output.
 */
export type ModuleResult = Record<string, unknown> & {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  /** The host could not be reached: counted as `unreachable`, the host leaves the play. */
  unreachable?: boolean;
  msg?: unknown;
  /** Variables to set on the host (set_fact). */
  ansible_facts?: Vars;
};

/**
 * Set up by the play session (play/session.ts) and handed to every module untouched. Other parts of rollcall add their
 * clients through declaration merging, e.g.
 *
 *     declare module "../play/modules/types.js" {
 *       interface PlayServices { spotinst?: SpotinstApi }
 *     }
 */
export interface PlayServices {
  /** The environment the CLI runs in; the only env a module or template may see. */
  env: Record<string, string | undefined>;
  /** Working directory for relative paths (command chdir default, wait_for path). */
  cwd: string;
  /**
   * Open the connection that runs commands for a host when it is not local (`connection: ssh`
   * on the play, or `ansible_connection: ssh` on the host): the session's SSH pool. Absent → such
   * hosts are unreachable.
   */
  connect?: (target: ConnectionTarget) => Promise<Connection>;
}

export interface ConnectionTarget {
  /** The inventory host the task runs for. */
  host: string;
  /** `delegate_to`, when set: the machine the task really runs on. */
  delegateTo?: string;
  /** That machine's vars (ansible_host, ansible_user, …). */
  vars: Vars;
  /** The play's `connection` keyword, or the machine's `ansible_connection` var. */
  connection: "local" | "ssh";
  /** The play's `ssh` settings. */
  ssh?: Record<string, unknown>;
  /** The task's `become`/`become_user` (inherited from its blocks and play). */
  become?: BecomeSpec;
}

export interface ModuleProgress {
  /** What is being waited for, e.g. "127.0.0.1:9092 to start". */
  message: string;
  elapsedMs: number;
  timeoutMs?: number;
}

export interface ModuleContext {
  /** The inventory host the task runs for, and its merged variables at this point. */
  host: { name: string; vars: Vars };
  /** `--check` (or the task's `check_mode: true`): report what would change, change nothing. */
  checkMode: boolean;
  verbosity: number;
  /** Aborted on the task's `timeout` and on Ctrl-C; long waits must stop promptly. */
  signal: AbortSignal;
  /** For long waits: shown as a live line on a TTY, throttled to ≈1/s as `progress` events. */
  progress(p: ModuleProgress): void;
  /** A line the module wants shown under the task (pause's "Pausing for N seconds"). */
  display(message: string): void;
  services: PlayServices;
  /**
   * The task's `environment:` (with its blocks' and play's), rendered for this host: variables
   * for the programs the module starts, over the connection's base environment.
   */
  environment: Record<string, string>;
  /** Where commands run for this host (local now; SSH later). Opened lazily. */
  connection(): Promise<Connection>;
  /**
   * Evaluate a condition/expression the way `when:` is evaluated (assert's `that`, debug's `var`),
   * in this task's variable context. Throws TemplateError on undefined names.
   */
  evaluate(expression: string, field: string): unknown;
  /** Wall clock in ms (injectable for tests). */
  now(): number;
}

export type CheckModeSupport =
  /** The module handles `ctx.checkMode` itself (reports what it would do). */
  | "supported"
  /** The module changes things and cannot predict: skipped in check mode, as Ansible does. */
  | "skip";

// biome-ignore lint/suspicious/noExplicitAny: a registry holds modules of every parameter type.
export interface ModuleDef<P = any> {
  name: string;
  aliases?: readonly string[];
  /**
   * Parameter schema, applied to the templated parameters. Prefer `z.strictObject` (unknown
   * parameters are errors before anything runs); cross-parameter rules go in `check`.
   */
  params: z.ZodType<P>;
  /** Parameter that receives a bare string (`command: ls -l` → `cmd`). */
  freeForm?: string;
  /** Alternative names for parameters (`msg` → `fail_msg`), applied before validation. */
  paramAliases?: Readonly<Record<string, string>>;
  /** Parameters that are conditions (evaluated by the module, not templated beforehand). */
  conditionParams?: readonly string[];
  /** Parameters holding a bare variable expression (debug's `var`). */
  expressionParams?: readonly string[];
  checkMode: CheckModeSupport;
  /** Ansible's BYPASS_HOST_LOOP: run once per batch on the first host (pause). */
  runOnce?: boolean;
  /** Cross-parameter validation on the final parameters; return a message to fail the task. */
  check?(params: P): string | undefined;
  run(params: P, ctx: ModuleContext): Promise<ModuleResult>;
}
