// Crash and resume: the journal keeps a recycled instance from ever being recycled twice by one
// logical run, also after `kill -9` of the runner in the middle of a recycle.
import { spawn } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, runCli } from "../../helpers/cli.js";
import {
  apiActions,
  FAST,
  outIntervals,
  overlaps,
  PLAYBOOK,
  type RecycleRig,
  SSIS,
  startRig,
  waitUntil,
} from "./support.js";

async function journalText(rig: RecycleRig): Promise<string> {
  const dir = join(rig.dir, "state", "rollcall", "journals");
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith(".jsonl"));
  return (await Promise.all(names.map((n) => readFile(join(dir, n), "utf8")))).join("");
}

describe("--resume", () => {
  let rig: RecycleRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("after kill -9 mid-recycle, finishes with every instance recycled exactly once", async () => {
    // ≈1.7 s per recycle: slow enough to kill the runner in the middle of the second one.
    rig = await startRig({ timeScale: 40 });
    const args = ["play", PLAYBOOK, "-i", rig.inventory, "-e", "recycle_poll_interval=0.05"];
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...rig.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((done) =>
      child.on("close", (_code, signal) => done(signal ? -1 : _code)),
    );
    await waitUntil(
      async () =>
        rig!.sim.shared.mutatingCalls.spotinst === 2 &&
        /"t":"issued"[^\n]*ssi-7e570002/.test(await journalText(rig!)),
    );
    child.kill("SIGKILL");
    expect(await exited).toBe(-1);

    const r = await runCli([...args, "--resume"], rig.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain(`resume: waiting for the recycle of ${SSIS[1]}`);
    expect(r.stdout).toMatch(/skipping: \[127\.[\d.]+\] => already done in the interrupted run/);
    const actions = apiActions(rig.sim.shared.timeline).map((a) => a.subject);
    expect(actions).toEqual(SSIS);
    const out = outIntervals(rig.sim.shared.timeline);
    expect(out.map((o) => o.ssi)).toEqual(SSIS);
    expect(overlaps(out)).toBe(false);
    for (const id of SSIS) expect(rig.sim.world.findSsi(id)!.state).toBe("ACTIVE");
    // The resumed run is complete: a further --resume has nothing to do.
    const again = await runCli([...args, "--resume"], rig.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--resume: no unfinished run");
  });

  it("Ctrl-C stops starting anything, prints what is in flight and the resume command; exit 99 (ansible-playbook's)", async () => {
    rig = await startRig({ timeScale: 40 });
    const args = ["play", PLAYBOOK, "-i", rig.inventory, "-e", "recycle_poll_interval=0.05"];
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...rig.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    await waitUntil(() => rig!.sim.shared.mutatingCalls.spotinst === 1);
    child.kill("SIGINT");
    expect(await exited).toBe(99);
    expect(stderr).toContain("rollcall: interrupted: starting nothing new (Ctrl-C again to exit at once)");
    expect(stderr).toMatch(new RegExp(`in flight:\n  spotinst-recycle of ${SSIS[0]} 127.`));
    expect(stderr).toContain(
      `resume with: rollcall play ${PLAYBOOK} -i ${rig.inventory} -e recycle_poll_interval=0.05 --resume`,
    );
    expect(apiActions(rig.sim.shared.timeline)).toHaveLength(1);
    const r = await runCli([...args, "--resume"], rig.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(apiActions(rig.sim.shared.timeline).map((a) => a.subject)).toEqual(SSIS);
  });

  it("does not recycle again an instance recycled out of band since the run started", async () => {
    rig = await startRig({ timeScale: 200 });
    const stop = new AbortController();
    const first = rig.play([...FAST], stop.signal);
    await waitUntil(() => rig!.sim.shared.mutatingCalls.spotinst === 1);
    stop.abort();
    const r1 = await first;
    expect(r1.code).toBe(99);
    expect(r1.out).toContain("in flight:");
    expect(r1.out).toMatch(
      /resume with: rollcall play \S+recycle-esg\.yml -i \S+ -e recycle_poll_interval=0\.02 -e recycle_port_timeout=5 --resume/,
    );
    // Someone recycles the third instance from the console meanwhile.
    const old = rig.sim.world.findSsi(SSIS[2]!)!.instanceId;
    rig.sim.world.recycleOutOfBand(SSIS[2]!);
    await waitUntil(() => {
      const ssi = rig!.sim.world.findSsi(SSIS[2]!)!;
      return ssi.state === "ACTIVE" && ssi.instanceId !== old && rig!.sim.world.isListening(ssi.id);
    });
    const r2 = await rig.play([...FAST, "--resume", "-v"]);
    expect(r2.code, r2.out).toBe(0);
    expect(r2.out).toContain("already recycled: launched at");
    // Our API recycled the first (once, before the interruption) and the second; never the third.
    expect(apiActions(rig.sim.shared.timeline).map((a) => a.subject)).toEqual(SSIS.slice(0, 2));
    const outOfBand = rig.sim.shared.timeline.filter(
      (e) => e.type === "action" && e.detail.source === "out-of-band",
    );
    expect(outOfBand.map((e) => e.subject)).toEqual([SSIS[2]]);
  });

  it("a new run without --resume says an earlier one did not finish", async () => {
    rig = await startRig();
    rig.sim.world.setOutcome(SSIS[0]!, { recycleOutcome: "error" });
    expect((await rig.play(FAST)).code).toBe(2);
    const r = await rig.play([...FAST, "--limit", "all[2]"]);
    expect(r.out).not.toContain("earlier run");
    const same = await rig.play([...FAST, "--check"]);
    expect(same.out).toContain("an earlier run of this play did not finish (started 20");
    expect(same.out).toContain("rerun with --resume to continue it");
    // Private to the user: the directory 0700, every journal 0600, one JSON record per line.
    const dir = join(rig.dir, "state", "rollcall", "journals");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = (await readdir(dir)).filter((n) => n.endsWith(".jsonl"));
    expect(files.length).toBe(2);
    for (const f of files) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    for (const line of (await journalText(rig)).trim().split("\n"))
      expect(() => JSON.parse(line)).not.toThrow();
  });
});
