// The lease record as it is stored (an ASG tag value; the same words in refusals):
// "owner=<run id>;host=<host>;pid=<pid>;expires=<ISO>", well under a tag value's 256 characters.
import type { LeaseOwner } from "./lease.js";
import type { LockInfo } from "./lease-local.js";

export interface LeaseRecord {
  owner: string;
  host: string;
  pid: number;
  expiresAt: number;
}

export function encodeLease(owner: LeaseOwner, expiresAt: number): string {
  return `owner=${owner.id};host=${owner.host};pid=${owner.pid};expires=${new Date(expiresAt).toISOString()}`;
}

export function decodeLease(value: string | undefined): LeaseRecord | undefined {
  if (!value) return undefined;
  const fields = new Map(
    value.split(";").map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i), kv.slice(i + 1)] as const;
    }),
  );
  const expiresAt = Date.parse(fields.get("expires") ?? "");
  const owner = fields.get("owner");
  if (!owner || Number.isNaN(expiresAt)) return undefined;
  return { owner, host: fields.get("host") ?? "?", pid: Number(fields.get("pid") ?? 0), expiresAt };
}

/** The one line the second run fails with. */
export function leaseRefusal(what: string, holder: LeaseRecord | LockInfo, cleanup: string): string {
  const until = new Date(holder.expiresAt).toISOString();
  return `${what} is being recycled by another rollcall run (run ${holder.owner}, host ${holder.host}, pid ${holder.pid}); its lease expires ${until}: wait for it, or --resume that run; ${cleanup} removes an abandoned lease`;
}
