// Runner overhead: 500 hosts × 10 no-op tasks at --forks 50, timed end to end in-process
// (parse → prepare → run, events formatted by the text reporter into a discarded buffer).
import { hostListInventory } from "../src/play/hosts/inventory.js";
import { parsePlaybook } from "../src/play/parse/playbook.js";
import { createTextReporter } from "../src/play/reporter/text.js";
import { preparePlaybook } from "../src/play/run/prepare.js";
import { runPlaybook } from "../src/play/run/runner.js";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: number;
}

const HOSTS = 500;
const TASKS = 10;
const FORKS = 50;

function playbookText(): string {
  const tasks = Array.from(
    { length: TASKS },
    (_, i) =>
      `    - name: no-op ${i}\n      debug:\n        msg: "{{ inventory_hostname }} {{ step }}"\n      when: ne step ${i + 100}\n`,
  );
  return `- hosts: all\n  gather_facts: false\n  vars:\n    step: 1\n  tasks:\n${tasks.join("")}`;
}

async function runOnce(text: boolean): Promise<number> {
  const parsed = parsePlaybook(playbookText(), "bench.yml", process.cwd());
  if (!parsed.ok) throw new Error(parsed.issues[0]?.message);
  const hosts = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(3, "0")}`);
  const prepared = await preparePlaybook(parsed.value, hostListInventory(`${hosts.join(",")},`), {
    extraVars: {},
    env: {},
  });
  if (!prepared.ok) throw new Error(prepared.issues[0]?.message);
  let bytes = 0;
  const onEvent = text
    ? createTextReporter({
        write: (t) => (bytes += t.length),
        warn: () => {},
        color: false,
        verbosity: 0,
        columns: 79,
        showElapsed: false,
      })
    : () => {};
  const started = performance.now();
  const result = await runPlaybook(prepared.value, {
    check: false,
    forks: FORKS,
    verbosity: 0,
    services: { env: {}, cwd: process.cwd() },
    onEvent,
  });
  const elapsed = performance.now() - started;
  if (result.exitCode !== 0 || Object.keys(result.stats).length !== HOSTS)
    throw new Error("bench run failed");
  return elapsed;
}

export async function benchRunner(): Promise<BenchResult[]> {
  await runOnce(false); // warm up: JIT, template cache
  const bare = await runOnce(false);
  const withText = await runOnce(true);
  const perTask = (ms: number) => Number((ms / (HOSTS * TASKS)).toFixed(4));
  return [
    {
      name: "runner overhead per host-task (500 hosts × 10 tasks, forks 50)",
      value: perTask(bare),
      unit: "ms",
      target: 2,
    },
    {
      name: "runner + text reporter per host-task (500 hosts × 10 tasks, forks 50)",
      value: perTask(withText),
      unit: "ms",
      target: 2,
    },
  ];
}
