import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseExtraVars } from "../../src/play/parse/extra-vars.js";

describe("-e", () => {
  it("k=v (strings, quotes, templates kept whole), @file, inline JSON/YAML; later wins", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rollcall-ev-"));
    await writeFile(join(dir, "vars.yml"), "port: 9092\nlist: [1, 2]\n");
    const r = await parseExtraVars(
      ["a=1 b='two words'", "msg={{ x }}", "@vars.yml", '{"port": 9093, "on": true}', "c=3"],
      dir,
    );
    expect(r.issues).toEqual([]);
    expect(r.vars).toEqual({
      a: "1",
      b: "two words",
      msg: "{{ x }}",
      port: 9093,
      list: [1, 2],
      on: true,
      c: "3",
    });
    await rm(dir, { recursive: true });
  });

  it("reports bad values", async () => {
    const r = await parseExtraVars(["novalue", "@missing.yml", "[1, 2]", "{bad"], tmpdir());
    expect(r.issues.map((i) => i.message)).toEqual([
      '-e: expected key=value, @file or a JSON/YAML mapping, got "novalue"',
      "-e @missing.yml: cannot read missing.yml: no such file",
      "-e: expected a mapping of variables",
      expect.stringContaining("invalid YAML"),
    ]);
  });
});
