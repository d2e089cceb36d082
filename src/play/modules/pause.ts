// pause: wait a fixed time. Runs once per batch (Ansible's BYPASS_HOST_LOOP); no prompts.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { bool, num, str } from "./params.js";
import { formatTimestamp } from "./time.js";
import type { ModuleDef } from "./types.js";

const params = z.strictObject({
  seconds: num().optional(),
  minutes: num().optional(),
  prompt: str().optional(),
  echo: bool().optional(),
});

export const pauseModule: ModuleDef<z.output<typeof params>> = {
  name: "pause",
  params,
  checkMode: "supported",
  runOnce: true,
  check(p) {
    if (p.seconds !== undefined && p.minutes !== undefined)
      return "parameters are mutually exclusive: minutes|seconds";
    if (p.seconds === undefined && p.minutes === undefined) {
      return "pause needs seconds or minutes: rollcall does not prompt (interactive pauses are not supported)";
    }
    return undefined;
  },
  async run(p, ctx) {
    const unit = p.minutes !== undefined ? "minutes" : "seconds";
    const amount = p.minutes ?? p.seconds ?? 0;
    const seconds = p.minutes !== undefined ? p.minutes * 60 : amount;
    const start = ctx.now();
    ctx.display(`Pausing for ${seconds} seconds`);
    if (p.prompt) ctx.display(p.prompt);
    try {
      await sleep(seconds * 1000, undefined, { signal: ctx.signal });
    } catch {
      // Aborted (task timeout or Ctrl-C): the engine reports it.
    }
    const stop = ctx.now();
    return {
      changed: false,
      start: formatTimestamp(start),
      stop: formatTimestamp(stop),
      delta: Math.trunc((stop - start) / 1000),
      echo: p.echo ?? true,
      stdout: `Paused for ${amount} ${unit}`,
      user_input: "",
    };
  },
};
