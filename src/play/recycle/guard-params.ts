// The safety parameters both recycle modules share: the group precheck with its probes, the
// replacement's health policy (consecutive checks, bake time) and the lease. Kept here so
// asg_recycle and spotinst_stateful spell and default them the same way.
import { z } from "zod";
import { bool, int, list, num } from "../modules/params.js";
import type { HealthPolicy } from "./bake.js";
import { DEFAULT_LEASE, type LeaseTiming } from "./lease.js";
import type { ProbeSpec } from "./probe.js";

const port = int().pipe(z.number().min(1).max(65535));

const probeSchema = z.strictObject({
  /** TCP ports every member must accept connections on. */
  ports: list(port).optional(),
  /** One HTTP GET per member: http://<member ip>:<port><path>, answering one of `status`. */
  http: z
    .strictObject({
      port,
      path: z.string().startsWith("/").default("/"),
      status: list(int()).default([200]),
    })
    .optional(),
  /** Seconds per connect / request. */
  timeout: num().optional(),
});

export const guardParams = {
  /** false: skip the group check. true (default): every other member InService/ACTIVE. */
  precheck: z.union([bool(), probeSchema]).default(true),
  healthy_checks: int().optional(),
  check_interval: num().optional(),
  bake: num().optional(),
  /** false: no lease (two runs can then collide). */
  lease: z.union([bool(), z.strictObject({ ttl: num().optional(), settle: num().optional() })]).default(true),
};

export interface GuardInput {
  precheck: boolean | z.output<typeof probeSchema>;
  healthy_checks?: number;
  check_interval?: number;
  bake?: number;
  lease: boolean | { ttl?: number; settle?: number };
}

/** Cross-parameter rules, as a module's `check`. */
export function checkGuard(p: GuardInput): string | undefined {
  if (p.healthy_checks !== undefined && p.healthy_checks < 1) return "healthy_checks must be ≥ 1";
  if (p.check_interval !== undefined && !(p.check_interval > 0)) return "check_interval must be > 0 seconds";
  if (p.bake !== undefined && p.bake < 0) return "bake must be ≥ 0 seconds";
  if (typeof p.precheck === "object" && p.precheck.timeout !== undefined && !(p.precheck.timeout > 0))
    return "precheck.timeout must be > 0 seconds";
  if (typeof p.lease === "object") {
    if (p.lease.ttl !== undefined && !(p.lease.ttl >= 10)) return "lease.ttl must be ≥ 10 seconds";
    if (p.lease.settle !== undefined && !(p.lease.settle >= 0)) return "lease.settle must be ≥ 0 seconds";
  }
  return undefined;
}

export interface Guard {
  precheck: boolean;
  probe?: ProbeSpec;
  health: HealthPolicy;
  lease?: LeaseTiming;
}

export function guardOf(p: GuardInput, pollIntervalS: number): Guard {
  const pc = typeof p.precheck === "object" ? p.precheck : undefined;
  const probe: ProbeSpec | undefined = pc
    ? {
        ports: pc.ports ?? [],
        ...(pc.http && { http: { port: pc.http.port, path: pc.http.path, status: pc.http.status } }),
        timeoutMs: (pc.timeout ?? 5) * 1000,
      }
    : undefined;
  return {
    precheck: p.precheck !== false,
    ...(probe && { probe }),
    health: {
      checks: p.healthy_checks ?? 1,
      intervalMs: (p.check_interval ?? pollIntervalS) * 1000,
      bakeMs: (p.bake ?? 0) * 1000,
    },
    ...(p.lease !== false && {
      lease: {
        ttlMs:
          typeof p.lease === "object" && p.lease.ttl !== undefined ? p.lease.ttl * 1000 : DEFAULT_LEASE.ttlMs,
        settleMs:
          typeof p.lease === "object" && p.lease.settle !== undefined
            ? p.lease.settle * 1000
            : DEFAULT_LEASE.settleMs,
      },
    }),
  };
}
