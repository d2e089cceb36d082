// Unreachable is data for the runner (Ansible's UNREACHABLE, exit 4), not a task failure: the
// transport throws SshUnreachableError wherever the connection is lost (connect, or mid-task),
// and `runOverSsh` (ssh.ts) turns it into `{ ok: false, unreachable }`. A command that ran and
// exited non-zero is never an error here: it is an ExecResult with its rc.
import { ExitCode, RollcallError, redact } from "../../errors.js";

export type SshUnreachableReason =
  | "refused"
  | "timeout"
  | "auth"
  | "host-key-mismatch"
  | "host-key-unknown"
  | "host-key-revoked"
  | "dns"
  | "no-route"
  /** The server closed the connection (before the handshake, or mid-task). */
  | "closed"
  /** SSH protocol negotiation failed (no common algorithm, bad packet). */
  | "handshake"
  /** The bastion refused to forward a channel (AllowTcpForwarding, PermitOpen). */
  | "forward-denied"
  | "other";

export interface SshUnreachable {
  reason: SshUnreachableReason;
  /** One line, for the `unreachable:` output; never holds key material. */
  message: string;
  /** The inventory hostname. */
  host: string;
  /** Which hop failed: the bastion, or the target itself (directly or through the bastion). */
  hop: "target" | "bastion";
}

export class SshUnreachableError extends RollcallError {
  readonly unreachable: SshUnreachable;
  constructor(unreachable: SshUnreachable) {
    super(unreachable.message, ExitCode.unreachable);
    this.unreachable = unreachable;
  }
}

export function isSshUnreachable(err: unknown): err is SshUnreachableError {
  return err instanceof SshUnreachableError;
}

interface VendorError {
  message?: string;
  code?: string | number;
  level?: string;
  reason?: number;
}

/** Map an ssh2 / socket error to a reason and a short description. */
export function classifySshError(err: unknown): { reason: SshUnreachableReason; detail: string } {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as VendorError;
  const message = e.message ?? "";
  // node-ssh reports a connection closed before "ready" (without an error) as ETIMEDOUT.
  if (/No response from server|Connection lost before handshake|Not connected/.test(message)) {
    return { reason: "closed", detail: "connection closed by the server" };
  }
  switch (e.code) {
    case "ECONNREFUSED":
      return { reason: "refused", detail: "connection refused" };
    case "ETIMEDOUT":
      return { reason: "timeout", detail: "connection timed out" };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { reason: "no-route", detail: "no route to host" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { reason: "dns", detail: "cannot resolve the host name" };
    case "ECONNRESET":
    case "EPIPE":
      return { reason: "closed", detail: "connection reset by the server" };
  }
  if (e.level === "client-timeout")
    return { reason: "timeout", detail: "timed out waiting for the SSH handshake" };
  if (e.level === "client-dns") return { reason: "dns", detail: "cannot resolve the host name" };
  if (e.level === "client-authentication") return { reason: "auth", detail: "authentication failed" };
  if (/^Cannot parse privateKey/.test(message))
    return { reason: "auth", detail: describeKeyProblem(message) };
  if (/Channel open failure/.test(message)) return classifyChannelFailure(e.reason, message);
  if (e.level === "handshake" || e.level === "protocol")
    return { reason: "handshake", detail: scrub(message) };
  return { reason: "other", detail: scrub(message) || "unknown error" };
}

// RFC 4254 §5.1 open-failure codes.
const ADMINISTRATIVELY_PROHIBITED = 1;

function classifyChannelFailure(
  code: number | undefined,
  message: string,
): { reason: SshUnreachableReason; detail: string } {
  const description = message.replace(/^\(SSH\) Channel open failure:\s*/, "").trim();
  if (code === ADMINISTRATIVELY_PROHIBITED || /prohibited/i.test(description)) {
    return {
      reason: "forward-denied",
      detail: `the bastion refused to forward the connection (${description})`,
    };
  }
  if (/refused/i.test(description))
    return { reason: "refused", detail: "connection refused (from the bastion)" };
  if (/timed out/i.test(description))
    return { reason: "timeout", detail: "connection timed out (from the bastion)" };
  if (/no route/i.test(description))
    return { reason: "no-route", detail: "no route to host (from the bastion)" };
  if (/resolve|name or service/i.test(description))
    return { reason: "dns", detail: "the bastion cannot resolve the host name" };
  return {
    reason: "other",
    detail: `the bastion could not open the connection: ${scrub(description) || "no reason given"}`,
  };
}

function describeKeyProblem(message: string): string {
  if (/encrypted/i.test(message)) {
    return "the private key is encrypted (passphrase-protected keys are not supported: load it into ssh-agent)";
  }
  return `the private key cannot be used: ${scrub(message.replace(/^Cannot parse privateKey:\s*/, ""))}`;
}

const PRIVATE_KEY_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/** Remove private key blocks and the given secrets (key texts, passphrases) from vendor text. */
export function scrub(text: string, secrets: readonly (string | undefined)[] = []): string {
  return redact(text.replace(PRIVATE_KEY_BLOCK, "[REDACTED]"), secrets).replace(/\s+/g, " ").trim();
}
