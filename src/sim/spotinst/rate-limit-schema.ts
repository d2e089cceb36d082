// The fleet file's `rate_limit:` (a number, or a default with per-route overrides keyed
// "METHOD /template") and how it meets `--rate-limit`. Route keys are checked against the routes
// the fake serves, so a typo is an error with a position, not a limit that never applies.
import { z } from "zod";
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from "./rate-limit.js";
import { ROUTES } from "./routes.js";

const perMinute = z.int().min(1).max(1_000_000);
const routeKeys = ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.template}`));

/** `rate_limit: 60`, or a default with per-route overrides keyed "METHOD /template". */
export const rateLimitSchema = z.preprocess(
  (v) => (typeof v === "number" ? { default: v } : v),
  z.strictObject({
    default: perMinute.default(DEFAULT_RATE_LIMIT),
    routes: z
      .record(z.string(), perMinute)
      .superRefine((routes, ctx) => {
        for (const key of Object.keys(routes)) {
          if (routeKeys.includes(key)) continue;
          ctx.addIssue({ code: "custom", path: [key], message: `expected one of: ${routeKeys.join(", ")}` });
        }
      })
      .default({}),
  }),
);

/** The fleet's rate limit, with `--rate-limit` (when given) as the default for every route. */
export function resolveRateLimit(
  fleet: { rate_limit?: z.output<typeof rateLimitSchema> | undefined },
  override?: number,
): RateLimitSettings {
  const routes = fleet.rate_limit?.routes ?? {};
  return { default: override ?? fleet.rate_limit?.default ?? DEFAULT_RATE_LIMIT, routes };
}
