// `-i` takes Ansible's inventories: the same hosts, groups and vars from the YAML, INI, script and
// directory forms of one inventory (fixtures/), each compared with what the real
// `ansible-inventory --list` prints for the same file, lists in the same order.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode, RollcallError } from "../../../src/errors.js";
import { loadInventorySource } from "../../../src/inventory/ansible/load.js";
import type { InventoryNote } from "../../../src/inventory/model.js";
import { requireAnsible } from "../../helpers/ansible.js";
import { runProgram } from "../../helpers/cli.js";
import { ansibleListing } from "./listing.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const FORMS = ["hosts.ini", "hosts.yml", "hosts.sh", "dir"];

function load(path: string, notes: InventoryNote[] = []) {
  return loadInventorySource(path, {
    env: { PATH: process.env.PATH },
    homeDir: tmpdir(),
    cacheDir: join(tmpdir(), "rollcall-unused-cache"),
    note: (n) => notes.push(n),
  });
}

async function ansibleInventory(path: string, home: string): Promise<Record<string, unknown>> {
  const r = await runProgram("ansible-inventory", ["-i", path, "--list"], {
    HOME: home,
    ANSIBLE_LOCAL_TEMP: join(home, "tmp"),
    ANSIBLE_INVENTORY_UNPARSED_FAILED: "true",
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** The listing without the one var the dir form adds to show group_vars precedence. */
function withoutShade(listing: Record<string, unknown>): Record<string, unknown> {
  const meta = listing._meta as { hostvars: Record<string, Record<string, unknown>> };
  const hostvars = Object.fromEntries(
    Object.entries(meta.hostvars).map(([h, v]) => [
      h,
      Object.fromEntries(Object.entries(v).filter(([k]) => k !== "shade")),
    ]),
  );
  return { ...listing, _meta: { hostvars } };
}

describe("Ansible's inventory forms for -i", () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "rollcall-forms-"));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it("reads the four forms of the fixture into the same hosts, groups and vars", async () => {
    const [ini, ...others] = await Promise.all(
      FORMS.map(async (f) => ansibleListing(await load(join(FIXTURES, f)))),
    );
    for (const [i, other] of others.entries()) expect(withoutShade(other), FORMS[i + 1]).toEqual(ini);
    const hostvars = (ini!._meta as { hostvars: Record<string, Record<string, unknown>> }).hostvars;
    // INI values are Python literals; YAML is YAML 1.1 (0x10 → 16, yes → true).
    expect(hostvars.weba).toMatchObject({
      ansible_port: 2222,
      weight: 1.5,
      enabled: true,
      nothing: null,
      count: 16,
    });
    expect(hostvars.web10).toMatchObject({ quoted: "two words", listy: [1, "a"], keep: "kept quotes" });
    expect(hostvars["db-b"]).toMatchObject({ ansible_port: 5433, backup: "yes", tier: "all-tier" });
    // web02 is in web (priority 5) and eu (depth 2 both): web merges last.
    expect(hostvars.web02?.tier).toBe("web-tier");
    expect(hostvars["db-a"]?.tier).toBe("eu-tier");
  });

  it.runIf(requireAnsible).each(FORMS)(
    "%s: equals ansible-inventory --list, order included",
    async (form) => {
      const path = join(FIXTURES, form);
      const [ours, theirs] = await Promise.all([load(path), ansibleInventory(path, home)]);
      expect(ansibleListing(ours)).toEqual(theirs);
    },
  );

  it("the directory form: group_vars of a parent beat a child group's inventory var; *.ini is skipped", async () => {
    const inv = await load(join(FIXTURES, "dir"));
    const listing = ansibleListing(inv) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect(listing._meta.hostvars.web01?.shade).toBe("from-file");
    expect(Object.keys(inv.hosts)).not.toContain("not-a-host");
    expect(inv.hosts.web01).toMatchObject({ inventory_file: join(FIXTURES, "dir", "00-base") });
  });
});

describe("-i errors: one line, a documented exit code", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rollcall-forms-bad-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function failure(name: string, text: string, mode?: number): Promise<RollcallError> {
    const path = join(dir, name);
    await writeFile(path, text);
    if (mode) await chmod(path, mode);
    const err = await load(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RollcallError);
    expect((err as Error).message).not.toContain("\n");
    return err as RollcallError;
  }

  it("a file that is none of the forms names the line and what -i takes", async () => {
    const err = await failure("notes", "web1\nthis is prose, not an inventory\n");
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(err.message).toMatch(
      /notes:2:1: as INI: Expected key=value host variable assignment, got: is \(not an inventory: -i takes/,
    );
  });

  it("broken YAML in a .yml file is reported as YAML, with its position", async () => {
    const err = await failure("bad.yml", "web:\n  hosts: [\n");
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(err.message).toMatch(/bad\.yml:3:1: invalid YAML: /);
  });

  it("INI mistakes Ansible rejects: undefined child group, [g:vars] for no group", async () => {
    expect((await failure("c.ini", "[a:children]\nb\n[x]\nh1\n")).message).toMatch(
      /c\.ini:2:1: as INI: Section \[a:children\] includes undefined group: b/,
    );
    expect((await failure("v.ini", "[a:vars]\nv=1\n")).message).toMatch(
      /Section \[a:vars\] not valid for undefined group: a/,
    );
  });

  it("a rollcall config with a mistake is reported by rollcall's config schema", async () => {
    const err = await failure("inv.yml", "sources:\n  type: spotinst\n");
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(err.message).toMatch(/^.*inv\.yml:2:3: sources: expected a list/);
  });

  it("an inventory plugin config is refused, saying why", async () => {
    const err = await failure("aws_ec2.yml", "plugin: amazon.aws.aws_ec2\nregions: [us-east-1]\n");
    expect(err.message).toMatch(/inventory plugin configuration \(plugin: amazon\.aws\.aws_ec2\)/);
  });

  it("a missing path and a failing script exit 1", async () => {
    const missing = await load(join(dir, "nope")).catch((e: RollcallError) => e);
    expect((missing as RollcallError).exitCode).toBe(ExitCode.error);
    const err = await failure("broken.sh", "#!/bin/sh\necho 'no token' >&2\nexit 3\n", 0o755);
    expect(err.exitCode).toBe(ExitCode.error);
    expect(err.message).toMatch(
      /inventory script .*broken\.sh: inventory script had an execution error \(exit 3\): no token/,
    );
  });
});
