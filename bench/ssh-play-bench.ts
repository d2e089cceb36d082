// The SSH play benchmark: `connection: ssh`, forty hosts, one `command` each at --forks 20,
// through the whole runner (parse → prepare → run, the text reporter into a discarded buffer)
// with a fresh SSH pool per run, so connection set-up is included, as for a user's run.
import type { Vars } from "../src/inventory/model.js";
import { createSshConnector } from "../src/play/connection/ssh.js";
import { hostListInventory } from "../src/play/hosts/inventory.js";
import { parsePlaybook } from "../src/play/parse/playbook.js";
import { createTextReporter } from "../src/play/reporter/text.js";
import { preparePlaybook } from "../src/play/run/prepare.js";
import { runPlaybook } from "../src/play/run/runner.js";
import type { BenchFigure } from "./measure.js";

const FORKS = 20;
const RUNS = 3;

const PLAYBOOK = `- hosts: all
  connection: ssh
  tasks:
    - name: one command
      command: "true"
`;

/** `hosts`: inventory name → hostvars (ansible_host, ansible_port, ansible_user, key). */
export async function benchSshPlay(
  hosts: Record<string, Vars>,
  knownHostsFile: string,
): Promise<BenchFigure> {
  const parsed = parsePlaybook(PLAYBOOK, "ssh-bench.yml", process.cwd());
  if (!parsed.ok) throw new Error(parsed.issues[0]?.message);
  const inventory = hostListInventory(`${Object.keys(hosts).join(",")},`);
  inventory.hosts = hosts;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const prepared = await preparePlaybook(parsed.value, inventory, { extraVars: {}, env: {} });
    if (!prepared.ok) throw new Error(prepared.issues[0]?.message);
    const ssh = createSshConnector({ env: {}, homeDir: "/nonexistent", knownHostsFiles: [knownHostsFile] });
    let failure = "";
    try {
      const result = await runPlaybook(prepared.value, {
        check: false,
        forks: FORKS,
        verbosity: 0,
        services: { env: {}, cwd: process.cwd(), connect: ssh.connect },
        onEvent: createTextReporter({
          write: (t) => {
            if (!failure && /^fatal:/m.test(t)) failure = t.trim();
          },
          warn: () => {},
          color: false,
          verbosity: 0,
          columns: 79,
          showElapsed: false,
        }),
      });
      if (result.exitCode !== 0) throw new Error(`the play failed (exit ${result.exitCode}): ${failure}`);
    } finally {
      await ssh.close();
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    name: `ssh play: ${Object.keys(hosts).length} hosts × 1 command, --forks ${FORKS}, connect included (median of ${RUNS})`,
    value: times[Math.floor(RUNS / 2)]!,
    unit: "ms",
  };
}
