// The fleet file: parsing, every mistake at file:line:col, the default fleet, the generator, and
// the options startSimulator refuses.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIssue, UsageError } from "../../src/errors.js";
import {
  defaultFleet,
  generateFleet,
  parseFleet,
  readFleetFile,
  resolveTimings,
} from "../../src/sim/fleet.js";
import { startSimulator } from "../../src/sim/index.js";

const errorsOf = (text: string) => {
  const r = parseFleet(text, "fleet.yml");
  if (r.ok) throw new Error("expected the fleet to be rejected");
  return r.issues.map(formatIssue);
};

const EXAMPLE = `# a small fleet
timings: { recycle: 90, boot: 3 }
accounts:
  - id: act-12345678
    token: my-sim-token-123
    groups:
      - id: sig-12345678
        name: kafka
        tags: { env: prod, tier: 2 }
        persist_root_volume: true
        ports: [9092, { port: 8778, http_path: /jolokia/ }]
        timings: { recycle: { start: 30 } }
        instances:
          - id: ssi-12345678
          - recycle_outcome: error
          - { state: PAUSED, never_healthy: true, listen: false }
      - name: workers
        stateful: false
        count: 4
aws:
  regions: [us-east-1]
`;

describe("parseFleet", () => {
  it("parses a fleet with defaults filled in and the aws section kept for the AWS part", () => {
    const r = parseFleet(EXAMPLE, "fleet.yml");
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
    const [kafka, workers] = r.value.accounts[0]!.groups;
    expect(kafka).toMatchObject({
      id: "sig-12345678",
      region: "us-east-1",
      stateful: true,
      persist_private_ip: false,
      tags: { env: "prod", tier: "2" },
      ports: [{ port: 9092 }, { port: 8778, http_path: "/jolokia/" }],
    });
    expect(kafka!.instances![2]).toEqual({
      state: "PAUSED",
      recycle_outcome: "ok",
      never_healthy: true,
      listen: false,
    });
    expect(workers).toMatchObject({ stateful: false, count: 4 });
    expect(r.value.aws).toEqual({ regions: ["us-east-1"] });
    // Group timings over fleet timings over the built-in defaults; a number splits 1/3 + 2/3.
    expect(resolveTimings(r.value, kafka!)).toMatchObject({
      recycleStop: 30,
      recycleStart: 30,
      boot: 3,
      accept: 2,
    });
    expect(resolveTimings(r.value, workers!)).toMatchObject({ recycleStop: 30, recycleStart: 60 });
  });

  it("points at the line and column of each mistake", () => {
    const text = [
      "accounts:", // 1
      "  - id: act-1", // 2
      "    token: abcdefgh12", // 3
      "    groups:", // 4
      "      - name: kafka", // 5
      "        prts: [9092]", // 6
      "        ports: [70000, { port: 1, bannr: x }]", // 7
      "        instances: [{ state: RECYCLING }]", // 8
    ].join("\n");
    expect(errorsOf(text)).toEqual([
      'fleet.yml:6:9: unknown option "prts" in accounts.0.groups.0 (did you mean "ports"?)',
      "fleet.yml:7:17: accounts.0.groups.0.ports.0.port: Too big: expected number to be <=65535",
      'fleet.yml:7:35: unknown option "bannr" in accounts.0.groups.0.ports.1 (did you mean "banner"?)',
      'fleet.yml:8:30: accounts.0.groups.0.instances.0.state: expected one of "ACTIVE", "PAUSED", "DEALLOCATED", "ERROR", got the string "RECYCLING"',
    ]);
  });

  // Cross-field rules run once every field has the right type (zod skips refinements on
  // structurally broken input), so these come in a second round of fixes.
  it("rejects duplicate ids, bad prefixes, short tokens, count with instances and stateful-only options", () => {
    const text = `accounts:
  - id: acct-1
    token: short
    groups:
      - { id: sig-1, name: a, ports: [80, 80], count: 1, instances: [] }
      - { id: sig-1, name: b, stateful: false, persist_private_ip: true, instances: [{ id: ssi-1 }] }
`;
    expect(errorsOf(text)).toEqual([
      "fleet.yml:2:9: accounts.0.id: expected an id like act-1a2b3c4d",
      "fleet.yml:3:12: accounts.0.token: expected a token of at least 8 characters",
      "fleet.yml:5:43: accounts.0.groups.0.ports.1: port 80 is listed twice",
      "fleet.yml:5:55: accounts.0.groups.0.count: give either count or instances, not both",
      "fleet.yml:6:15: accounts.0.groups.1.id: duplicate id sig-1 (first used at accounts.0.groups.0.id)",
      "fleet.yml:6:41: accounts.0.groups.1.stateful: persistence options need stateful: true",
      "fleet.yml:6:92: accounts.0.groups.1.instances.0.id: only instances of stateful groups have ssi ids",
    ]);
  });

  it("reports invalid YAML and an empty file with a position", () => {
    expect(errorsOf("accounts: [")[0]).toMatch(/^fleet\.yml:1:\d+: invalid YAML: /);
    expect(errorsOf("")).toEqual(["fleet.yml:1:1: expected a mapping, got null"]);
    expect(errorsOf("accounts: []")).toEqual(["fleet.yml:1:11: accounts: expected at least one account"]);
  });

  it("reads a file, or says why it cannot", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rollcall-fleet-"));
    const file = join(dir, "fleet.yml");
    await writeFile(file, EXAMPLE);
    expect((await readFleetFile(file)).ok).toBe(true);
    const missing = await readFleetFile(join(dir, "nope.yml"));
    expect(missing.ok ? "" : missing.issues[0]!.message).toMatch(/cannot read .*nope\.yml: no such file/);
  });
});

describe("built-in fleets", () => {
  it("has two stateful clusters of three and a non-stateful group, one with root persistence", () => {
    const fleet = defaultFleet();
    const groups = fleet.accounts.flatMap((a) => a.groups);
    const stateful = groups.filter((g) => g.stateful);
    expect(stateful.length).toBeGreaterThanOrEqual(2);
    expect(stateful.every((g) => g.count === 3)).toBe(true);
    expect(groups.some((g) => !g.stateful)).toBe(true);
    expect(groups.some((g) => g.persist_root_volume)).toBe(true);
    expect(groups.find((g) => g.name === "kafka-prod")).toMatchObject({
      tags: { env: "prod", service: "kafka" },
    });
    expect(groups.flatMap((g) => g.ports.map((p) => p.port)).every((p) => p > 1024)).toBe(true);
  });

  it("generates 500 groups / 10,000 hosts and serves them without listeners", async () => {
    const fleet = generateFleet({ groups: 500, instancesPerGroup: 20 });
    const groups = fleet.accounts[0]!.groups;
    expect(groups).toHaveLength(500);
    expect(groups.reduce((n, g) => n + (g.count ?? 0), 0)).toBe(10_000);
    expect(groups.filter((g) => !g.stateful)).toHaveLength(50);

    const started = performance.now();
    const sim = await startSimulator({ fleet, timeScale: 1000 });
    try {
      expect(performance.now() - started).toBeLessThan(3000);
      expect(sim.shared.timeline.filter((e) => e.type === "listen-open")).toHaveLength(0);
      const res = await fetch(`${sim.spotinstUrl}/aws/ec2/group?accountId=${sim.env.SPOTINST_ACCOUNT_ID}`, {
        headers: { authorization: `Bearer ${sim.env.SPOTINST_API_TOKEN}` },
      });
      expect(((await res.json()) as { response: { count: number } }).response.count).toBe(500);
      const ips = new Set(sim.world.accounts[0]!.groups.flatMap((g) => g.ssis.map((s) => s.privateIp)));
      expect(ips.size).toBe(450 * 20);
    } finally {
      await sim.close();
    }
  });
});

describe("startSimulator options", () => {
  it.each([
    [{ host: "0.0.0.0" }, /host must be an IPv4 address in 127\.0\.0\.0\/8/],
    [{ host: "localhost" }, /host must be/],
    [{ faultRate: 1.5 }, /faultRate must be a number from 0 to 1/],
    [{ timeScale: 0 }, /timeScale/],
    [{ spotinstPort: 70000 }, /spotinstPort/],
  ])("refuses %o", async (options, message) => {
    const err = await startSimulator(options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it("returns exactly the client env: the first Spotinst account and the AWS endpoint", async () => {
    const sim = await startSimulator({ host: "127.0.0.1", timeScale: 1000 });
    try {
      expect(Object.keys(sim.env).sort()).toEqual([
        "AWS_ACCESS_KEY_ID",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "SPOTINST_ACCOUNT_ID",
        "SPOTINST_API_TOKEN",
        "SPOTINST_API_URL",
      ]);
      expect(sim.env.SPOTINST_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.env.SPOTINST_ACCOUNT_ID).toBe("act-5e1f0001");
    } finally {
      await sim.close();
    }
  });
});
