// SSH transport benchmark: forty hosts (loopback aliases 127.0.0.11–127.0.0.50 of real sshd
// processes; an sshd listens on at most 16 addresses, so three of them share the forty), one
// command each at concurrency 20 — first with the connection set-up, then over the pooled
// connections; then the same forty hosts as a `connection: ssh` play through the runner
// (ssh-play-bench.ts). Needs root and openssh-server, like the SSH tests.
import pLimit from "p-limit";
import { createSshPool, resolveSshTarget, type SshTarget } from "../src/cloud/ssh/index.js";
import {
  createSshFixture,
  MAX_SSHD_ADDRESSES,
  removeSshFixtureLeftovers,
  sshdUnavailableReason,
} from "../test/helpers/sshd-fixture.js";
import type { BenchFigure } from "./measure.js";
import { benchSshPlay } from "./ssh-play-bench.js";

const HOSTS = 40;
const CONCURRENCY = 20;

export async function benchSsh(): Promise<BenchFigure[]> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(`needs a real sshd: ${reason}`);
  const fixture = await createSshFixture();
  const pool = createSshPool({ knownHostsFiles: [fixture.knownHostsPath] });
  try {
    const addresses = Array.from({ length: HOSTS }, (_, i) => `127.0.0.${11 + i}`);
    const groups: string[][] = [];
    for (let i = 0; i < addresses.length; i += MAX_SSHD_ADDRESSES)
      groups.push(addresses.slice(i, i + MAX_SSHD_ADDRESSES));
    const sshds = await Promise.all(groups.map((g) => fixture.startSshd({ addresses: g, logLevel: "INFO" })));
    await fixture.writeKnownHosts();
    const vars = (t: { host: string }) => ({
      ansible_host: t.host,
      ansible_user: fixture.user,
      ansible_ssh_private_key_file: fixture.keyPath,
    });
    const targets: SshTarget[] = sshds.flatMap((sshd) =>
      sshd.addresses.map((address) =>
        resolveSshTarget({
          name: `bench-${address}`,
          vars: { ...vars({ host: address }), ansible_port: sshd.port },
        }),
      ),
    );
    const limit = pLimit(CONCURRENCY);
    const runAll = async () => {
      const started = performance.now();
      await Promise.all(
        targets.map((t) =>
          limit(async () => {
            const res = await (await pool.get(t)).exec({ argv: ["true"] });
            if (res.rc !== 0) throw new Error(`${t.name}: rc ${res.rc}: ${res.stderr.trim()}`);
          }),
        ),
      );
      return performance.now() - started;
    };
    const cold = await runAll();
    const warm = await runAll();
    const hostvars = Object.fromEntries(targets.map((t) => [t.name, { ...vars(t), ansible_port: t.port }]));
    const play = await benchSshPlay(hostvars, fixture.knownHostsPath);
    return [
      {
        name: `ssh: ${HOSTS} hosts, connect + 1 command each, concurrency ${CONCURRENCY}`,
        value: cold,
        unit: "ms",
      },
      {
        name: `ssh: ${HOSTS} hosts, 1 more command each on pooled connections, concurrency ${CONCURRENCY}`,
        value: warm,
        unit: "ms",
      },
      play,
    ];
  } finally {
    await pool.closeAll();
    await fixture.cleanup();
    // The login user, when this run created it (the bench has no global teardown).
    await removeSshFixtureLeftovers();
  }
}
