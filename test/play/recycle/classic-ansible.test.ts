// Issue 11's first acceptance item: the classic Ansible recycle (playbooks/recycle-esg-ansible.yml:
// Jinja everywhere, block + delegate_to: localhost, lookup('env', …), hostvars[…].spotinst_*,
// `k=v` arguments, debug verbosity=2, wait_for state=present) recycles kafka-prod on the
// simulator, unchanged, with -i inventories/demo (the executable script) and -i
// inventories/demo.yml. Recap on each of the 3 hosts: ok=3 changed=1 skipped=1, which is what
// ansible-playbook counts for this shape (conformance/l-block-delegate-kv.yml checks that against
// the real ansible-playbook: a debug under its verbosity counts as skipped, not ok).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { startSimulator } from "../../../src/sim/index.js";
import { memoryContext } from "../support.js";
import { apiActions } from "./support.js";

const PLAYBOOK = resolve("playbooks/recycle-esg-ansible.yml");

describe("the classic Ansible recycle playbook, unchanged", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    dir = await mkdtemp(join(tmpdir(), "rollcall-classic-"));
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function recycle(playbook: string, inventory: string) {
    const kafka = sim.world.accounts.flatMap((a) => a.groups).find((g) => g.name === "kafka-prod")!;
    const before = apiActions(sim.shared.timeline).length;
    const ctx = memoryContext(dir, {
      ...sim.env,
      HOME: dir,
      XDG_STATE_HOME: join(dir, "state"),
      // One cache per run: the second must see the addresses the first recycle gave.
      XDG_CACHE_HOME: join(dir, `cache-${inventory.replace(/\W/g, "_")}`),
    } as Record<string, string>);
    const code = await runCli(
      ["play", playbook, "-i", resolve(inventory), "-e", "spotinst_poll_interval=0.05"],
      ctx,
      { play: { showElapsed: false } },
    );
    const out = ctx.out.join("") + ctx.err.join("");
    expect(code, out).toBe(0);
    const recap = out.split("PLAY RECAP")[1] ?? "";
    const lines = recap.split("\n").filter((l) => l.includes(" : ok="));
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).toMatch(/ok=3 +changed=1 +unreachable=0 +failed=0 +skipped=1 +rescued=0 +ignored=0/);
    }
    const recycled = apiActions(sim.shared.timeline).slice(before);
    expect(recycled.map((a) => a.detail.action)).toEqual(["recycle", "recycle", "recycle"]);
    expect(new Set(recycled.map((a) => a.subject))).toEqual(new Set(kafka.ssis.map((s) => s.id)));
  }

  it.each([
    ["the executable script", "inventories/demo"],
    ["rollcall's config", "inventories/demo.yml"],
  ])("recycles kafka-prod with -i %s", (_, inventory) => recycle(PLAYBOOK, inventory));

  it("does the same with its Jinja-only expressions written in Handlebars (all else unchanged)", async () => {
    // The two languages side by side: hostvars[inventory_hostname].x and lookup('env', …) are
    // Jinja; the rest of the file reads the same in both.
    const text = (await readFile(PLAYBOOK, "utf8"))
      .replace(/\{\{ hostvars\[inventory_hostname\]\.(\w+) \}\}/g, "{{ $1 }}")
      .replace(`"{{ lookup('env', 'SPOTINST_API_TOKEN') }}"`, `'{{ env "SPOTINST_API_TOKEN" }}'`);
    expect(text).not.toMatch(/hostvars\[|lookup\(/);
    const copy = join(dir, "recycle-esg-handlebars.yml");
    await writeFile(copy, text);
    await recycle(copy, "inventories/demo.yml");
  });
});
