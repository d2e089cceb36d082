// Event data is untrusted. Fields that end up in commands, names and API calls must have AWS's
// own formats. (Template text in event data needs no check here: plays see event values as
// variables, which the template engine never renders — docs/templates.md, "Data is data".)

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** AWS: LifecycleHookName is [A-Za-z0-9\-_\/]+, up to 255. */
const HOOK_NAME = /^[A-Za-z0-9_/-]{1,255}$/;
const TOKEN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;

export class EventProblem extends Error {}

export function checkInstanceId(value: unknown, field: string): string {
  if (typeof value !== "string") throw new EventProblem(`missing ${field}`);
  if (!INSTANCE_ID.test(value)) throw new EventProblem(`${field} ${show(value)} is not an EC2 instance id`);
  return value;
}

export function checkAsgName(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new EventProblem(`missing ${field}`);
  if (value.length > 255 || CONTROL.test(value))
    throw new EventProblem(`${field} ${show(value)} is not an Auto Scaling group name`);
  return value;
}

export function checkHookName(value: unknown): string {
  if (typeof value !== "string") throw new EventProblem("missing LifecycleHookName");
  if (!HOOK_NAME.test(value)) throw new EventProblem(`LifecycleHookName ${show(value)} is not a hook name`);
  return value;
}

export function checkToken(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !TOKEN.test(value))
    throw new EventProblem(`LifecycleActionToken ${show(value)} is not a lifecycle action token`);
  return value;
}

/** A value for a log line: quoted, control characters escaped, cut short. */
export function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return JSON.stringify(cut);
}
