// The text reporter's live line (TTY only) and line formats not covered by the golden files.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import type { PlayEvent, TaskInfo } from "../../../src/play/events.js";
import { pyJson, recapLine } from "../../../src/play/reporter/format.js";
import { createTextReporter } from "../../../src/play/reporter/text.js";
import { play, tempDir } from "../support.js";

const task: TaskInfo = {
  index: 0,
  name: "Wait for Kafka",
  action: "wait_for",
  path: "p.yml:3:7",
  checkMode: false,
  loop: false,
};
const playInfo = { index: 0, name: "p" };

describe("text reporter", () => {
  it("keeps a live line for long waits, cleared around normal output", () => {
    const out: string[] = [];
    const live: string[] = [];
    const emit = createTextReporter({
      write: (t) => out.push(t),
      warn: () => {},
      color: false,
      verbosity: 0,
      columns: 79,
      live: { update: (t) => live.push(`update:${t}`), clear: () => live.push("clear") },
    });
    const progress = (host: string, elapsedMs: number): PlayEvent => ({
      type: "task_progress",
      play: playInfo,
      task,
      host,
      message: "waiting for 127.0.0.1:9092",
      elapsedMs,
      timeoutMs: 600_000,
    });
    emit(progress("h1", 12_000));
    emit(progress("h2", 3_000));
    expect(live.at(-1)).toBe(
      "update:  waiting for 127.0.0.1:9092 [h1] 12s / 600s\n  waiting for 127.0.0.1:9092 [h2] 3s / 600s",
    );
    emit({
      type: "task_result",
      play: playInfo,
      task,
      host: "h1",
      status: "ok",
      ignored: false,
      rescued: false,
      verbose: false,
      result: {},
      durationMs: 1,
    });
    expect(out.at(-1)).toBe("ok: [h1]\n");
    expect(live.slice(-3)).toEqual([
      "update:  waiting for 127.0.0.1:9092 [h2] 3s / 600s",
      "clear",
      "update:  waiting for 127.0.0.1:9092 [h2] 3s / 600s",
    ]);
  });

  it("formats JSON like Python and the recap like Ansible", () => {
    expect(pyJson({ b: [1, "x"], a: { c: null } })).toBe('{"a": {"c": null}, "b": [1, "x"]}');
    expect(pyJson({ msg: "hi" }, 4)).toBe('{\n    "msg": "hi"\n}');
    const s = { ok: 3, changed: 1, unreachable: 0, failed: 0, skipped: 2, rescued: 0, ignored: 0 };
    expect(recapLine("web1", s, false)).toBe(
      "web1                       : ok=3    changed=1    unreachable=0    failed=0    skipped=2    rescued=0    ignored=0   ",
    );
    expect(recapLine("web1", s, true)).toContain("\x1b[0;33mweb1\x1b[0m");
  });

  it("shows the live wait on a TTY end to end", async () => {
    const work = await tempDir();
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    setTimeout(() => server.listen(port, "127.0.0.1"), 300);
    let clock = 0;
    const pb = `- hosts: all\n  tasks:\n    - name: Wait for Kafka\n      wait_for: { port: ${port}, timeout: 3600 }\n`;
    const r = await play(
      work.dir,
      pb,
      ["-i", "h1,"],
      { now: () => (clock += 700), columns: 100 },
      { NO_COLOR: "1" },
      true,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`  waiting for 127\\.0\\.0\\.1:${port} \\[h1\\] \\d+s / 3600s`));
    expect(r.stdout).toContain("\x1b[2K"); // the live line is erased before the result line
    expect(r.stdout).toContain("ok: [h1]");
    server.close();
    await work.cleanup();
  });
});
