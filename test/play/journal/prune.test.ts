// Journal pruning and `rollcall play --journals`, through the built CLI against the simulator:
// a run that writes a journal prunes finished journals older than 7 days, unfinished ones idle
// for 30 days, and the oldest finished ones beyond 50; a running run's journal is never touched.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { runCli } from "../../helpers/cli.js";
import { FAST, PLAYBOOK, type RecycleRig, recycleFleet, startRig } from "../recycle/support.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** No process has this pid (above Linux's pid_max limit of 2^22). */
const DEAD_PID = 2 ** 22 + 7;

interface Fake {
  name: string;
  ageMs: number;
  end?: { exitCode: number };
  pid?: number;
}

async function writeJournal(dir: string, f: Fake, now: number): Promise<string> {
  const key = randomBytes(16).toString("hex");
  const at = new Date(now - f.ageMs).toISOString();
  const pid = f.pid ?? DEAD_PID;
  const records: object[] = [
    { t: "run", v: 1, runStartedAt: at, playbook: `/plays/${f.name}.yml`, pid },
    { t: "attempt", at, pid, resume: false, check: false },
  ];
  if (f.end) records.push({ t: "end", at, exitCode: f.end.exitCode, complete: f.end.exitCode === 0 });
  const file = `${key}.${at.replace(/[-:.]/g, "")}-${pid}.jsonl`;
  await writeFile(join(dir, file), records.map((r) => `${JSON.stringify(r)}\n`).join(""), { mode: 0o600 });
  return file;
}

describe("run journal pruning", () => {
  let rig: RecycleRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("prunes by age and count when a run starts; --journals lists state, age and playbook", async () => {
    rig = await startRig({ fleet: recycleFleet(1) });
    const dir = join(rig.dir, "state", "rollcall", "journals");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const now = Date.now();
    const special: Fake[] = [
      { name: "finished-8d", ageMs: 8 * DAY, end: { exitCode: 0 } },
      { name: "finished-1d", ageMs: DAY, end: { exitCode: 0 } },
      { name: "interrupted-31d", ageMs: 31 * DAY, end: { exitCode: ExitCode.interrupted } },
      { name: "failed-2d", ageMs: 2 * DAY, end: { exitCode: 2 } },
      { name: "abandoned-40d", ageMs: 40 * DAY },
      { name: "abandoned-2d", ageMs: 2 * DAY },
      // Its process (this test) is alive: a run in progress, never pruned however old.
      { name: "running-40d", ageMs: 40 * DAY, pid: process.pid },
    ];
    // 55 finished runs, 1 h to 55 h old: with the others, more than the 50 kept.
    const bulk: Fake[] = Array.from({ length: 55 }, (_, i) => ({
      name: `bulk-${i + 1}h`,
      ageMs: (i + 1) * HOUR,
      end: { exitCode: 0 },
    }));
    for (const f of [...special, ...bulk]) await writeJournal(dir, f, now);

    const before = await runCli(["play", "--journals"], rig.env);
    expect(before.code, before.stderr).toBe(0);
    const row = (out: string, name: string) => out.split("\n").find((l) => l.includes(`/plays/${name}.yml`));
    expect(before.stdout.split("\n")[0]).toMatch(/^STATE +AGE +IN FLIGHT +PLAYBOOK +INVENTORY +LIMIT$/);
    expect(row(before.stdout, "finished-8d")).toMatch(/^finished +8d +0 /);
    expect(row(before.stdout, "interrupted-31d")).toMatch(/^interrupted +31d /);
    expect(row(before.stdout, "failed-2d")).toMatch(/^failed +2d /);
    expect(row(before.stdout, "abandoned-40d")).toMatch(/^abandoned +40d /);
    expect(row(before.stdout, "running-40d")).toMatch(/^running +40d /);
    expect(row(before.stdout, "bulk-3h")).toMatch(/^finished +3h /);

    const r = await runCli(["play", PLAYBOOK, "-i", rig.inventory, ...FAST], rig.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const after = await runCli(["play", "--journals", "--json"], rig.env);
    const journals = after.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { playbook: string; state: string });
    const names = journals.map((j) => j.playbook);
    expect(journals).toHaveLength(50);
    expect((await readdir(dir)).filter((n) => n.endsWith(".jsonl"))).toHaveLength(50);
    // Past the age limits.
    for (const gone of ["finished-8d", "interrupted-31d", "abandoned-40d"])
      expect(names).not.toContain(`/plays/${gone}.yml`);
    // Within them, and the running one.
    for (const kept of ["finished-1d", "failed-2d", "abandoned-2d", "running-40d"])
      expect(names).toContain(`/plays/${kept}.yml`);
    // The count limit took the oldest finished ones: 63 journals, 3 too old, 10 more beyond 50.
    const bulkKept = names.filter((n) => n.startsWith("/plays/bulk-"));
    expect(bulkKept).toHaveLength(45);
    for (let h = 46; h <= 55; h++) expect(names).not.toContain(`/plays/bulk-${h}h.yml`);
    expect(journals.at(-1)).toMatchObject({ playbook: PLAYBOOK, state: "finished" });
  });
});
