// What a play sees about its event: the fields, `instance_id`, `asg_name`, `lifecycle_*`,
// `minion_id` and the message's own id. All of it is data (extra vars): the only template
// rendered here is the config's `minion_id`, over these vars.
import type { Vars } from "../inventory/model.js";
import { renderString } from "../template/engine.js";
import type { WatchEvent } from "./events.js";

/** A Salt minion id that is safe as an exact target: no glob or list characters, no leading dash. */
const SAFE_MINION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export interface MessageInfo {
  messageId: string;
  receiveCount: number;
}

export function eventVars(event: WatchEvent, message: MessageInfo, region: string, asgName?: string): Vars {
  const hook = event.hook;
  return {
    event_kind: event.kind,
    event_envelope: event.envelope,
    event_time: event.time ?? null,
    event: event.fields,
    instance_id: event.instanceId,
    asg_name: event.asgName ?? asgName ?? null,
    region,
    message_id: message.messageId,
    receive_count: message.receiveCount,
    lifecycle_hook_name: hook?.name ?? null,
    lifecycle_transition: hook?.transition ?? null,
    lifecycle_action_token: hook?.token ?? null,
    lifecycle_notification_metadata: hook?.metadata ?? null,
    interruption_action: event.action ?? null,
  };
}

/**
 * Render the configured minion id over the event's vars. A result that is not a safe exact
 * target (Salt treats `salt-key -a` and `salt <target>` arguments as globs) is refused.
 */
export function renderMinionId(
  template: string,
  vars: Vars,
  env: Record<string, string | undefined>,
): { ok: true; id: string } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = renderString(template, { vars, env });
  } catch (err) {
    return { ok: false, reason: `minion_id: ${(err as Error).message}` };
  }
  const id = typeof value === "string" || typeof value === "number" ? String(value) : "";
  if (!SAFE_MINION_ID.test(id))
    return {
      ok: false,
      reason: `minion id ${JSON.stringify(id)} is not a safe Salt minion id (letters, digits, . _ -; not starting with -)`,
    };
  return { ok: true, id };
}
