// Host order and batches as ansible-playbook runs them: with `serial: 1`, the sequence of hosts
// of every play (≥ 10 patterns × the 4 deterministic orders) equals ansible-playbook's, over the
// demo inventory (the executable inventories/demo for Ansible, with the simulator running) and a
// static INI inventory. One generated playbook per inventory, so Ansible starts twice in all.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlayEvent } from "../../src/play/events.js";
import { startSimulator } from "../../src/sim/index.js";
import { ansibleEnv, parseAnsibleJson, requireAnsible } from "../helpers/ansible.js";
import { play } from "./support.js";

const ORDERS = ["inventory", "reverse_inventory", "sorted", "reverse_sorted"] as const;
const STATIC = join(import.meta.dirname, "host-order", "static.ini");
const DEMO_SCRIPT = resolve("inventories/demo");
const DEMO_CONFIG = resolve("inventories/demo.yml");

/** Unions, intersections, exclusions, subscripts, globs and regexes over inventories/demo. */
const DEMO_PATTERNS = [
  "all",
  "kafka-prod",
  "elastigroups",
  "autoscaling_groups",
  "kafka-prod:zookeeper-asg-prod",
  "elastigroups:&kafka*",
  "elastigroups:!kafka-prod",
  "autoscaling_groups[1:4]",
  "kafka*",
  "ci-workers,kafka-asg-prod[0]",
  "~.*-asg-",
];
const STATIC_PATTERNS = [
  "all",
  "prod",
  "eu",
  "web:db",
  "prod:&eu",
  "prod:!web_eu",
  "web[1:2]",
  "web*",
  "~^(solo|db)",
  "!db",
  "db-a:solo1:web9",
];

interface Case {
  name: string;
  pattern: string;
  order: string;
}

function casesOf(patterns: string[], extra: Case[] = []): Case[] {
  const cases = patterns.flatMap((pattern, i) =>
    ORDERS.map((order) => ({ name: `P${i}-${order} ${pattern}`, pattern, order })),
  );
  return [...cases, ...extra];
}

/** Plays without tasks: a batch still starts (and is reported), nothing is run on the hosts. */
function playbookOf(cases: Case[]): string {
  return cases
    .map(
      (c) =>
        `- name: ${JSON.stringify(c.name)}\n  hosts: ${JSON.stringify(c.pattern)}\n  order: ${c.order}\n` +
        "  serial: 1\n  gather_facts: false\n  tasks: []\n",
    )
    .join("");
}

type Sequences = Map<string, string[]>;

function runAnsible(dir: string, inventory: string, env: Record<string, string>): Promise<Sequences> {
  return new Promise((done, fail) => {
    execFile(
      "ansible-playbook",
      ["-i", inventory, "play.yml"],
      { cwd: dir, env: ansibleEnv(dir, env), timeout: 150_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`ansible-playbook: ${err.message}\n${stderr}`));
        const out: Sequences = new Map();
        for (const p of parseAnsibleJson(stdout).plays) {
          const batch = (p.play as { batch?: string[] }).batch ?? [];
          out.set(p.play.name, [...(out.get(p.play.name) ?? []), ...batch]);
        }
        done(out);
      },
    );
  });
}

async function runRollcall(
  dir: string,
  text: string,
  inventory: string,
  env: Record<string, string>,
): Promise<Sequences> {
  const r = await play(dir, text, ["-i", inventory, "--json"], {}, env);
  expect(r.code, r.stderr).toBe(0);
  const out: Sequences = new Map();
  for (const e of r.events as PlayEvent[]) {
    if (e.type !== "batch_start") continue;
    expect(e.hosts).toHaveLength(1);
    out.set(e.play.name, [...(out.get(e.play.name) ?? []), ...e.hosts]);
  }
  return out;
}

describe.runIf(requireAnsible)("host order and serial batches, as ansible-playbook runs them", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let demoDir: string;
  let staticDir: string;
  const demoCases = casesOf(DEMO_PATTERNS);
  const staticCases = casesOf(STATIC_PATTERNS, [{ name: "shuffle all", pattern: "all", order: "shuffle" }]);
  const got: Record<string, { ansible: Sequences; rollcall: Sequences; viaScript?: Sequences }> = {};

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 1000 });
    demoDir = await mkdtemp(join(tmpdir(), "rollcall-order-demo-"));
    staticDir = await mkdtemp(join(tmpdir(), "rollcall-order-static-"));
    const demoEnv = { ...sim.env, XDG_CACHE_HOME: join(demoDir, "cache") } as Record<string, string>;
    const demoText = playbookOf(demoCases);
    const staticText = playbookOf(staticCases);
    await writeFile(join(demoDir, "play.yml"), demoText);
    await writeFile(join(staticDir, "play.yml"), staticText);
    // The two ansible-playbook runs go side by side (CI has two cores); rollcall's meanwhile.
    const [demoAnsible, staticAnsible, demoRollcall, demoViaScript, staticRollcall] = await Promise.all([
      runAnsible(demoDir, DEMO_SCRIPT, demoEnv),
      runAnsible(staticDir, STATIC, {}),
      runRollcall(demoDir, demoText, DEMO_CONFIG, demoEnv),
      runRollcall(demoDir, demoText, DEMO_SCRIPT, demoEnv),
      runRollcall(staticDir, staticText, STATIC, {}),
    ]);
    got.demo = { ansible: demoAnsible, rollcall: demoRollcall, viaScript: demoViaScript };
    got.static = { ansible: staticAnsible, rollcall: staticRollcall };
  }, 180_000);

  afterAll(async () => {
    await sim?.close();
    for (const d of [demoDir, staticDir]) if (d) await rm(d, { recursive: true, force: true });
  });

  it("static inventory: every pattern × order runs its hosts in ansible-playbook's order", () => {
    const { ansible, rollcall } = got.static!;
    for (const c of staticCases.filter((c) => c.order !== "shuffle")) {
      expect(ansible.get(c.name)?.length, c.name).toBeGreaterThan(0);
      expect(rollcall.get(c.name), c.name).toEqual(ansible.get(c.name));
    }
    // `hosts: all` starts with ungrouped, then follows all's children, then theirs.
    expect(rollcall.get("P0-inventory all")).toEqual([
      ...["solo2", "solo1", "db-b", "db-a", "web10", "web9", "web01", "web02", "euweb1", "euweb2"],
    ]);
    const shuffled = rollcall.get("shuffle all") ?? [];
    expect([...shuffled].sort()).toEqual([...(ansible.get("shuffle all") ?? [])].sort());
  });

  it("demo inventory: every pattern × order runs its hosts in ansible-playbook's order", () => {
    const { ansible, rollcall, viaScript } = got.demo!;
    // rollcall reads its own config and the executable wrapper into the same order.
    expect([...viaScript!]).toEqual([...rollcall]);
    const allAmbiguous = new Set(ORDERS.slice(0, 2).map((o) => `P0-${o} all`));
    for (const c of demoCases) {
      if (allAmbiguous.has(c.name)) continue;
      expect(ansible.get(c.name)?.length, c.name).toBeGreaterThan(0);
      expect(rollcall.get(c.name), c.name).toEqual(ansible.get(c.name));
    }
    // `hosts: all` walks all → {autoscaling_groups, elastigroups} → their groups. Ansible takes
    // the two parents in Python's set order (memory addresses), so either may come first in a
    // given run; rollcall always takes them in declaration order (play/hosts/order.ts).
    const asg = ansible.get("P3-inventory autoscaling_groups") ?? [];
    const eg = ansible.get("P2-inventory elastigroups") ?? [];
    const ansibleAll = ansible.get("P0-inventory all");
    expect([
      [...asg, ...eg],
      [...eg, ...asg],
    ]).toContainEqual(ansibleAll);
    expect(rollcall.get("P0-inventory all")).toEqual([...asg, ...eg]);
    expect(ansible.get("P0-reverse_inventory all")).toEqual([...(ansibleAll ?? [])].reverse());
    expect(rollcall.get("P0-reverse_inventory all")).toEqual([...asg, ...eg].reverse());
  });

  it("--list-hosts prints each play's hosts in that run order", async () => {
    const pick = staticCases.filter((c) => c.pattern === "web*" || c.pattern === "prod:!web_eu");
    const r = await play(staticDir, playbookOf(pick), ["-i", STATIC, "--list-hosts"]);
    expect(r.code, r.stderr).toBe(0);
    for (const c of pick) {
      const block = r.stdout.split(`: ${c.name}\n`)[1]!.split("\n\n")[0]!;
      const listed = block
        .split("\n")
        .slice(2)
        .map((l) => l.trim())
        .filter(Boolean);
      expect(listed, c.name).toEqual(got.static!.ansible.get(c.name));
    }
  });
});
