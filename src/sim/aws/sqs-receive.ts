// Receiving from the SQS fake: take visible messages (hiding each for its visibility timeout,
// redriving those received too often), or wait for one in a long poll that ends early when the
// client goes away.
import { newReceipt, record, type SimQueue, type SimSqsMessage, type SqsWorld, wake } from "./sqs-queues.js";

export interface Delivery {
  message: SimSqsMessage;
  receipt: string;
}

/** Take up to `max` visible messages, hiding each for `visibilitySec`; redrive as SQS does. */
export function takeVisible(world: SqsWorld, q: SimQueue, max: number, visibilitySec: number): Delivery[] {
  const now = Date.now();
  const out: Delivery[] = [];
  for (const m of [...q.messages]) {
    if (out.length >= max) break;
    if (m.visibleAt > now) continue;
    if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
      // SQS moves a message when a receive would exceed maxReceiveCount.
      const dlq = world.queues.get(q.redrive.deadLetterQueue);
      q.messages = q.messages.filter((x) => x !== m);
      record(q, { kind: "redriven", messageId: m.id, receiveCount: m.receiveCount });
      if (dlq) {
        dlq.messages.push({ ...m, visibleAt: now, receipt: undefined });
        record(dlq, { kind: "sent", messageId: m.id });
        wake(dlq);
      }
      continue;
    }
    m.receiveCount++;
    m.firstReceiveAt ??= now;
    m.visibleAt = now + visibilitySec * 1000;
    m.receipt = newReceipt(q, m);
    record(q, { kind: "received", messageId: m.id, receiveCount: m.receiveCount });
    out.push({ message: m, receipt: m.receipt });
  }
  return out;
}

/**
 * Long poll: wait until a message is visible, the wait ends, or the client goes away (then
 * nothing is taken, so nothing is lost to a closed connection).
 */
export async function receive(
  world: SqsWorld,
  q: SimQueue,
  options: { max: number; waitSec: number; visibilitySec: number; signal: AbortSignal },
): Promise<Delivery[]> {
  const deadline = Date.now() + options.waitSec * 1000;
  for (;;) {
    if (options.signal.aborted || world.closed) return [];
    const got = takeVisible(world, q, options.max, options.visibilitySec);
    const now = Date.now();
    if (got.length > 0 || now >= deadline) return got;
    const nextVisible = Math.min(
      ...q.messages.map((m) => (m.visibleAt > now ? m.visibleAt : Number.POSITIVE_INFINITY)),
    );
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        world.timers.delete(timer);
        q.waiters.delete(done);
        options.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.min(deadline, nextVisible) - now));
      world.timers.add(timer);
      q.waiters.add(done);
      options.signal.addEventListener("abort", done);
    });
  }
}
