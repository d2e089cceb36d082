// The run's lease registry as modules find it: the CLI's (one per run, released at the end), or
// — for a module called without the CLI (tests, embedding) — one per services object, owned by
// the journal's run id when there is a journal. That fallback has no local locks and is never
// released: its cloud leases expire on their own.
import type { PlayServices } from "../modules/types.js";
import "./journal-port.js";
import { createLeaseRegistry, type LeaseRegistry } from "./lease.js";

const fallback = new WeakMap<PlayServices, LeaseRegistry>();

export function leasesOf(services: PlayServices): LeaseRegistry {
  if (services.leases) return services.leases;
  let found = fallback.get(services);
  if (!found) {
    found = createLeaseRegistry(services.journal?.runId ? { owner: services.journal.runId } : {});
    fallback.set(services, found);
  }
  return found;
}
