import { describe, expect, it } from "vitest";
import type { Inventory } from "../../src/inventory/model.js";
import { viewOf } from "../../src/play/hosts/inventory.js";
import { matchPattern, patternProblem, splitPattern } from "../../src/play/hosts/patterns.js";

const inventory: Inventory = {
  hosts: { "10-web1": {}, "kafka-1": {}, "kafka-2": {}, "kafka-3": {}, "zk-1": {}, lonely: {} },
  groups: {
    all: { name: "all", hosts: [], children: ["ungrouped", "kafka", "zk", "prod"], vars: {} },
    ungrouped: { name: "ungrouped", hosts: ["lonely", "10-web1"], children: [], vars: {} },
    kafka: { name: "kafka", hosts: ["kafka-1", "kafka-2", "kafka-3"], children: [], vars: {} },
    zk: { name: "zk", hosts: ["zk-1"], children: [], vars: {} },
    prod: { name: "prod", hosts: ["kafka-2"], children: ["zk"], vars: {} },
  },
};
const hosts = (p: string) => matchPattern(p, viewOf(inventory)).hosts;

describe("host patterns", () => {
  it("splits on commas, else colons (keeping subscripts)", () => {
    expect(splitPattern("a:b:&c:!d")).toEqual(["a", "b", "&c", "!d"]);
    expect(splitPattern("a, b")).toEqual(["a", "b"]);
    expect(splitPattern("kafka[0:1]:zk")).toEqual(["kafka[0:1]", "zk"]);
  });

  it("matches all, groups (with children), hosts and globs", () => {
    // As ansible-playbook: `all` walks its children in order (ungrouped first), not the host list.
    expect(hosts("all")).toEqual(["lonely", "10-web1", "kafka-1", "kafka-2", "kafka-3", "zk-1"]);
    expect(hosts("*")).toHaveLength(6);
    expect(hosts("prod")).toEqual(["kafka-2", "zk-1"]);
    expect(hosts("kafka-*")).toEqual(["kafka-1", "kafka-2", "kafka-3"]);
    expect(hosts("zk-1")).toEqual(["zk-1"]);
    expect(hosts("~kafka-[12]")).toEqual(["kafka-1", "kafka-2"]);
  });

  it("applies union, intersection and exclusion in Ansible's order", () => {
    expect(hosts("zk:kafka")).toEqual(["zk-1", "kafka-1", "kafka-2", "kafka-3"]);
    expect(hosts("kafka:&prod")).toEqual(["kafka-2"]);
    expect(hosts("kafka:!prod")).toEqual(["kafka-1", "kafka-3"]);
    expect(hosts("!kafka")).toEqual(["lonely", "10-web1", "zk-1"]);
    expect(hosts("!prod:kafka")).toEqual(["kafka-1", "kafka-3"]);
  });

  it("supports subscripts with inclusive ranges", () => {
    expect(hosts("kafka[0]")).toEqual(["kafka-1"]);
    expect(hosts("kafka[-1]")).toEqual(["kafka-3"]);
    expect(hosts("kafka[0:1]")).toEqual(["kafka-1", "kafka-2"]);
    expect(hosts("kafka[1:]")).toEqual(["kafka-2", "kafka-3"]);
  });

  it("warns (with a hint) about terms that match nothing", () => {
    const r = matchPattern("kafak:zk", viewOf(inventory));
    expect(r.hosts).toEqual(["zk-1"]);
    expect(r.warnings).toEqual([
      'Could not match supplied host pattern, ignoring: kafak (did you mean "kafka"?)',
    ]);
  });

  it("targets the implicit localhost", () => {
    const view = viewOf(inventory);
    expect(matchPattern("localhost", view).hosts).toEqual(["localhost"]);
    expect(matchPattern("all", view).hosts).not.toContain("localhost");
  });

  it("reports syntax problems", () => {
    expect(patternProblem("")).toBe("empty host pattern");
    expect(patternProblem("a,,b")).toContain("empty term");
    expect(patternProblem("a:!")).toContain('needs a group or host name after "!"');
    expect(patternProblem("a[x]")).toContain("invalid subscript");
    expect(patternProblem("~(")).toContain("invalid regular expression");
    expect(patternProblem("a:&b:!c")).toBeUndefined();
  });
});
