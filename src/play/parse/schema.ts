// Schemas for play and task keywords. Module parameters are declared by each module.
import { z } from "zod";
import { sshSettingsSchema } from "../../cloud/ssh/target.js";
import { describeValue } from "../../config/yaml.js";
import { isTemplate } from "../../template/engine.js";
import { bool, str, toBoolean } from "../modules/params.js";
import { HOST_ORDERS } from "../types.js";

/** A zod type from a predicate returning a problem description (or undefined when fine). */
function checked(problem: (v: unknown) => string | undefined) {
  return z.unknown().superRefine((v, ctx) => {
    // Reached only for required fields: optional ones stop at `.optional()`.
    const message = v === undefined ? "missing required option" : problem(v);
    if (message) ctx.addIssue({ code: "custom", message });
  });
}

const PERCENT = /^\s*\d+(\.\d+)?\s*%\s*$/;

function serialStepProblem(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return undefined;
  if (typeof v === "string" && (PERCENT.test(v) || /^\s*\d+\s*$/.test(v))) return undefined;
  return `expected a host count, a percentage like "30%" or a list of those, got ${describeValue(v)}`;
}

const serial = checked((v) => {
  if (!Array.isArray(v)) return serialStepProblem(v);
  for (const step of v) {
    const p = serialStepProblem(step);
    if (p) return p;
  }
  return undefined;
});

const maxFailPercentage = checked((v) => {
  const n = typeof v === "string" && PERCENT.test(v) ? Number.parseFloat(v) : v;
  if (typeof n === "number" && n >= 0 && n <= 100) return undefined;
  return `expected a percentage between 0 and 100, got ${describeValue(v)}`;
});

const hosts = checked((v) => {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || list.some((h) => typeof h !== "string" || h.trim() === "")) {
    return `expected a host pattern (a string or a list of strings), got ${describeValue(v)}`;
  }
  return undefined;
});

/** `environment:`: variable name → value (a template is rendered per host). */
const environment = checked((v) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return `expected a mapping of environment variables, got ${describeValue(v)}`;
  }
  for (const [name, value] of Object.entries(v)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      return `invalid environment variable name ${JSON.stringify(name)}`;
    if (!["string", "number", "boolean"].includes(typeof value)) {
      return `environment.${name}: expected a string, number or boolean, got ${describeValue(value)}`;
    }
  }
  return undefined;
});

const mapping = checked((v) =>
  v === null || (typeof v === "object" && !Array.isArray(v))
    ? undefined
    : `expected a mapping, got ${describeValue(v)}`,
);

const listOf = (what: string) =>
  checked((v) =>
    v === null || Array.isArray(v) ? undefined : `expected a list of ${what}, got ${describeValue(v)}`,
  );

export const playSchema = z.strictObject({
  name: str().optional(),
  hosts,
  serial: serial.optional(),
  order: z.enum(HOST_ORDERS).optional(),
  vars: mapping.optional(),
  vars_files: checked((v) =>
    typeof v === "string" || (Array.isArray(v) && v.every((f) => typeof f === "string"))
      ? undefined
      : `expected a file name or a list of file names, got ${describeValue(v)}`,
  ).optional(),
  max_fail_percentage: maxFailPercentage.optional(),
  any_errors_fatal: bool().optional(),
  /** Accepted for compatibility and ignored: rollcall gathers no facts. */
  gather_facts: z.unknown().optional(),
  connection: z.enum(["local", "ssh"]).optional(),
  /** SSH settings for `connection: ssh` (user, port, key, bastion, host key checking). */
  ssh: sshSettingsSchema.optional(),
  become: bool().optional(),
  become_user: str().optional(),
  check_mode: bool().optional(),
  environment: environment.optional(),
  tasks: listOf("tasks").optional(),
});

const conditionItem = (v: unknown) =>
  typeof v === "boolean" || typeof v === "number" || (typeof v === "string" && v.trim() !== "");

/** `when`/`until`/`changed_when`/`failed_when`: an expression, a boolean, or a list of them. */
const condition = checked((v) =>
  (Array.isArray(v) ? v.every(conditionItem) : conditionItem(v))
    ? undefined
    : `expected a condition (an expression, true/false, or a list of them), got ${describeValue(v)}`,
);

const boolOrTemplate = checked((v) =>
  typeof toBoolean(v) === "boolean" || isTemplate(v)
    ? undefined
    : `expected true or false, got ${describeValue(v)}`,
);

/** Seconds or counts: a number (≥ 0, or > 0 when `positive`), a numeric string, or a template. */
const countOrTemplate = (positive: boolean) =>
  checked((v) => {
    const n = typeof v === "string" && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
    if ((typeof n === "number" && (positive ? n > 0 : n >= 0)) || isTemplate(v)) return undefined;
    return `expected a number${positive ? " above 0" : ""}, got ${describeValue(v)}`;
  });

const identifier = checked((v) =>
  typeof v === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)
    ? undefined
    : `expected a variable name (letters, digits, _), got ${describeValue(v)}`,
);

const loop = checked((v) =>
  Array.isArray(v) || isTemplate(v)
    ? undefined
    : `Invalid data passed to 'loop', it requires a list, got ${describeValue(v)}`,
);

/** Keywords shared by tasks and blocks (blocks pass them down to their tasks). */
const inheritedShape = {
  name: str().optional(),
  when: condition.optional(),
  ignore_errors: boolOrTemplate.optional(),
  any_errors_fatal: bool().optional(),
  delegate_to: str().optional(),
  check_mode: bool().optional(),
  timeout: countOrTemplate(true).optional(),
  /** Run through `sudo -n` on the host (as `become_user`, default root). */
  become: bool().optional(),
  become_user: str().optional(),
  /** Variables for the programs the task starts (command, shell, script); see docs/security.md. */
  environment: environment.optional(),
};

export const taskKeywordSchema = z.strictObject({
  ...inheritedShape,
  register: identifier.optional(),
  loop: loop.optional(),
  retries: countOrTemplate(false).optional(),
  until: condition.optional(),
  delay: countOrTemplate(false).optional(),
  changed_when: condition.optional(),
  failed_when: condition.optional(),
});

export const blockSchema = z.strictObject({
  ...inheritedShape,
  block: listOf("tasks"),
  rescue: listOf("tasks").optional(),
  always: listOf("tasks").optional(),
});

export const TASK_KEYWORDS: ReadonlySet<string> = new Set(Object.keys(taskKeywordSchema.shape));
export const BLOCK_KEYWORDS: ReadonlySet<string> = new Set(Object.keys(blockSchema.shape));
