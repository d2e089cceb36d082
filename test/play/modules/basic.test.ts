// debug, fail, assert, set_fact, pause called directly.
import { describe, expect, it } from "vitest";
import { assertModule } from "../../../src/play/modules/assert.js";
import { debugModule } from "../../../src/play/modules/debug.js";
import { failModule } from "../../../src/play/modules/fail.js";
import { findModule, moduleNames } from "../../../src/play/modules/index.js";
import { pauseModule } from "../../../src/play/modules/pause.js";
import { setFactModule } from "../../../src/play/modules/set-fact.js";
import { testContext } from "./context.js";

describe("modules", () => {
  it("registers every built-in module (ansible.builtin. names too)", () => {
    expect(moduleNames()).toEqual(
      expect.arrayContaining([
        "assert",
        "command",
        "debug",
        "fail",
        "pause",
        "set_fact",
        "shell",
        "uri",
        "wait_for",
      ]),
    );
    expect(findModule("ansible.builtin.wait_for")?.name).toBe("wait_for");
  });

  it("debug: msg, var, undefined var, verbosity", async () => {
    const ctx = testContext({ vars: { port: 9092 } });
    expect(await debugModule.run({}, ctx)).toMatchObject({
      msg: "Hello world!",
      _ansible_verbose_always: true,
    });
    expect(await debugModule.run({ var: "port" }, ctx)).toMatchObject({ port: 9092 });
    expect(await debugModule.run({ var: "nope" }, ctx)).toMatchObject({ nope: "VARIABLE IS NOT DEFINED!" });
    expect(await debugModule.run({ msg: "x", verbosity: 2 }, ctx)).toMatchObject({
      skipped: true,
      skipped_reason: "Verbosity threshold not met.",
    });
  });

  it("fail: default and custom message", async () => {
    expect(await failModule.run({}, testContext())).toMatchObject({
      failed: true,
      msg: "Failed as requested from task",
    });
    expect(await failModule.run({ msg: "no" }, testContext())).toMatchObject({ failed: true, msg: "no" });
  });

  it("assert: that, fail_msg (alias msg), success_msg, quiet", async () => {
    const ctx = testContext({ vars: { n: 3 } });
    expect(
      await assertModule.run(assertModule.params.parse({ that: ["gt n 1", "lt n 5"] }), ctx),
    ).toMatchObject({
      changed: false,
      msg: "All assertions passed",
    });
    expect(
      await assertModule.run(assertModule.params.parse({ that: "gt n 4", fail_msg: "too small" }), ctx),
    ).toMatchObject({
      failed: true,
      assertion: "gt n 4",
      evaluated_to: false,
      msg: "too small",
    });
    const undefinedName = await assertModule.run(assertModule.params.parse({ that: "eq missing 1" }), ctx);
    expect(undefinedName.msg).toContain(
      `The conditional check 'eq missing 1' failed. The error was: undefined variable "missing"`,
    );
    const quiet = await assertModule.run(assertModule.params.parse({ that: true, quiet: "yes" }), ctx);
    expect(quiet._ansible_verbose_always).toBeUndefined();
  });

  it("set_fact: facts, boolean words, bad names", async () => {
    expect(await setFactModule.run({ a: 1, b: "yes", cacheable: true }, testContext())).toEqual({
      changed: false,
      ansible_facts: { a: 1, b: true },
    });
    expect(setFactModule.check?.({ "bad-name": 1 })).toContain("The variable name 'bad-name' is not valid");
  });

  it("pause: waits, reports, and stops early when aborted", async () => {
    const ctx = testContext();
    const r = await pauseModule.run({ seconds: 0.05 }, ctx);
    expect(ctx.displayed).toEqual(["Pausing for 0.05 seconds"]);
    expect(r).toMatchObject({ changed: false, stdout: "Paused for 0.05 seconds", user_input: "" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await pauseModule.run({ minutes: 1 }, testContext({ signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(pauseModule.check?.({})).toContain("pause needs seconds or minutes");
  });
});
