// The countdown a terminal shows during a long rate-limit wait, and its silence everywhere else
// (Ansible runs the inventory with pipes: any stderr would read to it as an error).
import { describe, expect, it } from "vitest";
import { createWaitProgress } from "../../src/cli/wait-progress.js";

function ctx(tty: boolean) {
  const written: string[] = [];
  return { written, stderr: (t: string) => written.push(t), stderrIsTTY: tty };
}

describe("rate-limit wait countdown", () => {
  it("counts down on a terminal, then clears its line", async () => {
    const c = ctx(true);
    createWaitProgress(c)("spotinst: rate limited on GET /aws/ec2/group: waiting 6.0 s", 5_200);
    expect(c.written[0]).toBe(
      "\r\x1b[Kspotinst: rate limited on GET /aws/ec2/group: waiting 6.0 s (6 s left)",
    );
    await new Promise((r) => setTimeout(r, 1_100));
    expect(c.written[1]).toMatch(/\(5 s left\)$/);
  });

  it("stays silent on a pipe, and for short waits", () => {
    const pipe = ctx(false);
    createWaitProgress(pipe)("waiting", 60_000);
    const short = ctx(true);
    createWaitProgress(short)("waiting", 4_999);
    expect([...pipe.written, ...short.written]).toEqual([]);
  });

  it("replaces a running countdown with the next one", () => {
    const c = ctx(true);
    const show = createWaitProgress(c);
    show("first", 30_000);
    show("second", 20_000);
    expect(c.written).toEqual(["\r\x1b[Kfirst (30 s left)", "\r\x1b[K", "\r\x1b[Ksecond (20 s left)"]);
  });
});
