// Serialises listener opens and closes per owner. The state machine fires them from timers and
// never awaits; without a queue a close could run while an open is still binding, and the
// servers bound after it would be orphaned (and keep the process alive).
import type { ListenerPool, ServicePort } from "./listeners.js";

export interface PortKeeper {
  /** Queue an open; the promise rejects if binding fails (callers decide how to report it). */
  open(owner: string, ip: string, ports: readonly ServicePort[]): Promise<void>;
  close(owner: string): Promise<void>;
  isOpen(owner: string): boolean;
  /** Resolves when every queued operation has finished. */
  idle(): Promise<void>;
  /** Refuse new operations, let queued ones finish, close everything. */
  shutdown(): Promise<void>;
}

export function createPortKeeper(pool: ListenerPool): PortKeeper {
  const queues = new Map<string, Promise<void>>();
  let stopped = false;

  const enqueue = (owner: string, op: () => Promise<void>): Promise<void> => {
    if (stopped) return Promise.resolve();
    const run = (queues.get(owner) ?? Promise.resolve()).then(() => (stopped ? undefined : op()));
    const settled = run.catch(() => {});
    queues.set(owner, settled);
    void settled.then(() => {
      if (queues.get(owner) === settled) queues.delete(owner);
    });
    return run;
  };

  const idle = async () => {
    while (queues.size > 0) await Promise.all(queues.values());
  };

  return {
    open: (owner, ip, ports) => enqueue(owner, () => pool.open(owner, ip, ports)),
    close: (owner) => enqueue(owner, () => pool.close(owner)),
    isOpen: (owner) => pool.isOpen(owner),
    idle,
    async shutdown() {
      stopped = true;
      await idle();
      await pool.closeAll();
    },
  };
}
