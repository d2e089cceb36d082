// The `cache:` section of an inventory config (docs/cache.md explains each option).
import { z } from "zod";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const redisUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "expected a URL like redis://host:6379/0" });
    return;
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    ctx.addIssue({ code: "custom", message: "expected a redis:// or rediss:// URL" });
  }
  // Never echo the URL: it may hold the very password we are refusing.
  if (url.password) {
    ctx.addIssue({
      code: "custom",
      message:
        "the URL must not contain a password: put it in the environment variable named by cache.password_env (default ROLLCALL_REDIS_PASSWORD)",
    });
  }
});

export const cacheConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Seconds a fetched result is fresh. */
    ttl: z.number().min(0).default(300),
    /** Seconds after the TTL during which the expired result may still be served. */
    stale_while_revalidate: z
      .number()
      .min(0)
      .max(7 * 24 * 3600)
      .default(0),
    /** Shared store: redis://[user@]host:port/db or rediss://…; default: the local directory. */
    url: redisUrl.optional(),
    /** The environment variable holding the Redis password. */
    password_env: z
      .string()
      .regex(ENV_NAME, "expected an environment variable name")
      .default("ROLLCALL_REDIS_PASSWORD"),
    /** Prefix of every Redis key, so several teams or fleets can share one Redis. */
    key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "expected 1–64 of A-Z a-z 0-9 _ . : -")
      .default("rollcall"),
    /** Seconds to wait for another process's refresh before fetching ourselves. */
    lock_wait: z.number().min(0).max(600).default(30),
  })
  .prefault({});

export type CacheConfig = z.output<typeof cacheConfigSchema>;
