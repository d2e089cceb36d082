// A countdown on a terminal while a long rate-limit wait runs, so a quiet `rollcall --list` is
// not mistaken for a hang. Only on a TTY: Ansible runs the inventory with pipes, and anything on
// a piped stderr would read to it as an error.
import type { CliContext } from "./context.js";

/** Waits shorter than this pass without a countdown. */
const SHOW_FROM_MS = 5_000;

export function createWaitProgress(ctx: Pick<CliContext, "stderr" | "stderrIsTTY">) {
  let stop: (() => void) | undefined;
  return (message: string, waitMs: number): void => {
    if (!ctx.stderrIsTTY || waitMs < SHOW_FROM_MS) return;
    stop?.();
    const end = Date.now() + waitMs;
    const draw = () => {
      const left = Math.ceil((end - Date.now()) / 1000);
      if (left <= 0) return stop?.();
      ctx.stderr(`\r\x1b[K${message} (${left} s left)`);
    };
    const timer = setInterval(draw, 1000);
    // Never keeps the process alive: the wait itself does, and ends first.
    timer.unref();
    stop = () => {
      clearInterval(timer);
      ctx.stderr("\r\x1b[K");
      stop = undefined;
    };
    draw();
  };
}
