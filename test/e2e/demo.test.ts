import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("rollcall demo (npm start)", () => {
  it("starts the simulator, prints its inventory and stops", async () => {
    const r = await runCli(["demo"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Simulator up: Spotinst API at http:\/\/127\.0\.0\.1:\d+/);
    for (const group of ["@kafka-prod:", "@zookeeper-prod:", "@ci-workers:", "@elastigroups:"]) {
      expect(r.stdout).toContain(group);
    }
    expect(
      r.stdout.match(/\|--127\.\d+\.\d+\.\d+ {2}\(ACTIVE i-[0-9a-f]{17} ssi-/g)!.length,
    ).toBeGreaterThanOrEqual(12);
    // Then the safe serial recycle of kafka-prod, with a recap: 3 hosts, each changed once.
    expect(r.stdout).toContain("PLAY [Recycle stateful Elastigroup]");
    const recap = r.stdout.slice(r.stdout.indexOf("PLAY RECAP"));
    expect(recap.match(/^127\.[\d.]+ +: ok=3 +changed=1 +unreachable=0 +failed=0 /gm)).toHaveLength(3);
    expect(r.ms).toBeLessThan(60_000);
  }, 60_000);
});
