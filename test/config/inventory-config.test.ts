import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventoryConfig } from "../../src/config/inventory-config.js";
import { UsageError } from "../../src/errors.js";

async function load(text: string) {
  const dir = await mkdtemp(join(tmpdir(), "rollcall-cfg-"));
  const file = join(dir, "inv.yml");
  await writeFile(file, text);
  return { file, result: loadInventoryConfig(file) };
}

describe("loadInventoryConfig", () => {
  it("loads the documented example with every option", async () => {
    const { config } = await loadInventoryConfig("inventories/spotinst.example.yml");
    expect(config.sources.map((s) => s.type)).toEqual(["spotinst", "static"]);
    expect(config.cache.ttl).toBe(300);
  });

  it("fills defaults", async () => {
    const { result } = await load("sources:\n  - type: spotinst\n");
    const { config } = await result;
    expect(config.sources[0]).toMatchObject({
      states: ["ACTIVE"],
      concurrency: 4,
      timeout: 30,
      deadline: 120,
      retry: { attempts: 6, max_time: 120 },
      groups: { include: ["*"] },
    });
    expect(config.hostnames).toEqual(["private-ip", "instance-id", "ssi-id"]);
  });

  it.each([
    [
      "sources:\n  - type: spotinst\n    concurency: 2\n",
      /inv\.yml:3:5: unknown option "concurency" in sources\.0 \(did you mean "concurrency"\?\)/,
    ],
    [
      "sources:\n  - type: spotinst\n    timeout: soon\n",
      /inv\.yml:3:14: sources\.0\.timeout: expected a number, got the string "soon"/,
    ],
    ["sources: [\n", /inv\.yml:2:1: invalid YAML/],
    ["hostnames: [private-ip]\n", /inv\.yml:1:1: sources: missing required option/],
    [
      "sources:\n  - type: spotnst\n",
      /inv\.yml:2:11: sources\.0\.type: expected one of "spotinst", "aws", "static", got the string "spotnst" \(did you mean "spotinst"\?\)/,
    ],
    ["", /inv\.yml:1:1: empty config/],
  ])("reports %j with its position", async (text, message) => {
    const { result } = await load(text);
    const err = await result.catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("\n");
  });
});
