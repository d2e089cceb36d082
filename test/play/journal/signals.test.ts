// Signals through the built CLI against the simulator: SIGTERM and Ctrl-C print the "in flight /
// resume with" block exactly once and leave a resumable journal; a second Ctrl-C exits at once,
// and the journal it leaves still resumes to every instance recycled exactly once.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, runCli } from "../../helpers/cli.js";
import { apiActions, PLAYBOOK, type RecycleRig, SSIS, startRig, waitUntil } from "../recycle/support.js";

interface Spawned {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnCli(args: string[], env: Record<string, string>, cwd: string): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdout!.resume();
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  return { child, stderr: () => stderr, exited };
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("signals during rollcall play", () => {
  let rig: RecycleRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s mid-recycle: the in-flight block and the resume command once, exit 99, then --resume finishes",
    async (signal) => {
      rig = await startRig({ timeScale: 40 });
      const args = ["play", PLAYBOOK, "-i", rig.inventory, "-e", "recycle_poll_interval=0.05"];
      const run = spawnCli(args, rig.env, rig.dir);
      await waitUntil(() => rig!.sim.shared.mutatingCalls.spotinst === 1);
      run.child.kill(signal);
      expect(await run.exited).toBe(99);
      const err = run.stderr();
      const first = signal === "SIGTERM" ? "terminated (SIGTERM)" : "interrupted";
      expect(err).toContain(`rollcall: ${first}: starting nothing new`);
      expect(count(err, "in flight:\n")).toBe(1);
      expect(err).toMatch(new RegExp(`in flight:\n  spotinst-recycle of ${SSIS[0]} 127.`));
      expect(count(err, "resume with: ")).toBe(1);
      expect(err).toContain(
        `resume with: rollcall play ${PLAYBOOK} -i ${rig.inventory} -e recycle_poll_interval=0.05 --resume`,
      );
      const listed = await runCli(["play", "--journals"], rig.env);
      expect(listed.stdout).toMatch(new RegExp(`^interrupted +\\d+s +1 +${PLAYBOOK}`, "m"));
      const r = await runCli([...args, "--resume"], rig.env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(apiActions(rig.sim.shared.timeline).map((a) => a.subject)).toEqual(SSIS);
    },
  );

  it("a second Ctrl-C exits at once, and the journal it leaves resumes without a double recycle", async () => {
    rig = await startRig({ timeScale: 40 });
    // After the first recycle, a hook that ignores SIGTERM: the first Ctrl-C ends the run (tasks
    // are abandoned, the journal closed) but the hook's output pipe keeps the process alive — the
    // case the second Ctrl-C is for.
    const hook = `if [ ! -e hook.done ]; then touch hook.done; echo $$ > hook.pid; trap "" TERM INT; exec sleep 30; fi`;
    const playbook = join(rig.dir, "hooked.yml");
    await writeFile(
      playbook,
      `- hosts: kafka-prod
  serial: 1
  order: oldest_first
  tasks:
    - spotinst_stateful: { state: recycled, poll_interval: 0.05 }
      register: recycled
    - wait_for: { host: "{{ recycled.stateful.privateIp }}", port: 9092, timeout: 5 }
    - shell: '${hook}'
`,
    );
    const args = ["play", playbook, "-i", rig.inventory];
    const run = spawnCli(args, rig.env, rig.dir);
    let hookPid: number | undefined;
    try {
      await waitUntil(async () => {
        hookPid = Number(await readFile(join(rig!.dir, "hook.pid"), "utf8").catch(() => "")) || undefined;
        return hookPid !== undefined;
      });
      run.child.kill("SIGINT");
      await waitUntil(() => run.stderr().includes("starting nothing new"));
      const before = Date.now();
      run.child.kill("SIGINT");
      expect(await run.exited).toBe(99);
      expect(Date.now() - before).toBeLessThan(5000);
      const err = run.stderr();
      expect(err).toContain("rollcall: exiting at once; the run journal is kept");
      expect(count(err, "nothing in flight\n") + count(err, "in flight:\n")).toBe(1);
      expect(err).toContain(`resume with: rollcall play ${playbook} -i ${rig.inventory} --resume`);
    } finally {
      if (hookPid) process.kill(hookPid, "SIGKILL");
    }
    // Interrupted (the run ended, the process lingered for the hook) or abandoned (no end record).
    const listed = await runCli(["play", "--journals"], rig.env);
    expect(listed.stdout).toMatch(/^(interrupted|abandoned) /m);
    // The first host's play never finished, so it runs again: its recycle is not issued twice.
    const r = await runCli([...args, "--resume", "-v"], rig.env, rig.dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("already recycled: launched at");
    expect(apiActions(rig.sim.shared.timeline).map((a) => a.subject)).toEqual(SSIS);
  });
});
