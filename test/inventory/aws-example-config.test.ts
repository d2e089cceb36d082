// inventories/aws-asg.example.yml must stay valid: every option it shows is a real one.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { inventoryConfigSchema } from "../../src/config/inventory-config.js";
import { parseYaml, validate } from "../../src/config/yaml.js";
import { rosterConfigSchema } from "../../src/inventory/builders/salt-roster.js";
import { awsSourceSchema } from "../../src/inventory/sources/aws.js";

const FILE = "inventories/aws-asg.example.yml";

describe(FILE, () => {
  it("validates: the aws source, the roster section and the rest of the config", async () => {
    const parsed = parseYaml(await readFile(FILE, "utf8"), FILE);
    if (!parsed.ok) throw new Error(parsed.issues[0]!.message);
    const doc = parsed.value.value as { sources: unknown[]; roster: unknown };
    const source = validate(awsSourceSchema, parsed.value, {
      value: doc.sources[0],
      basePath: ["sources", 0],
    });
    expect(source.ok && source.value).toMatchObject({ regions: ["us-east-1", "eu-west-1"], concurrency: 8 });
    const roster = validate(rosterConfigSchema, parsed.value, { value: doc.roster, basePath: ["roster"] });
    expect(roster.ok && roster.value.minion_id).toBe("{{ asg_name }}-{{ ec2_instance_id }}");
    // The top level, whether or not the config's source union knows `type: aws` yet.
    const whole = inventoryConfigSchema.safeParse(doc);
    const rest =
      whole.success || inventoryConfigSchema.safeParse({ ...doc, sources: [{ type: "static", hosts: {} }] });
    expect(rest === true || rest.success).toBe(true);
  });

  it("documents every aws source option", async () => {
    const text = await readFile(FILE, "utf8");
    for (const key of Object.keys(awsSourceSchema.shape))
      expect(text, key).toMatch(new RegExp(`^[\\s-]+#?\\s?${key}:`, "m"));
    for (const key of Object.keys(rosterConfigSchema.shape))
      expect(text, key).toMatch(new RegExp(`^[\\s-]+#?\\s?${key}:`, "m"));
  });
});
