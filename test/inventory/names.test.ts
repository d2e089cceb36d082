// Names from outside: reserved-name renames, own-property maps, and globs over names.
import { describe, expect, it } from "vitest";
import { buildInventory } from "../../src/inventory/build.js";
import { toAnsibleHost, toAnsibleList } from "../../src/inventory/builders/ansible.js";
import { globMatcher } from "../../src/inventory/glob.js";
import type { HostRecord } from "../../src/inventory/model.js";
import { unreserved } from "../../src/inventory/names.js";

const host = (id: string, group: string, tags: Record<string, string> = {}): HostRecord => ({
  id,
  source: "s",
  names: { "instance-id": id },
  vars: { id },
  groups: [{ name: group, parent: "elastigroups" }],
  tags,
});
const options = {
  hostnames: ["instance-id"],
  sanitizeGroupNames: false,
  parentGroups: true,
  keyedGroups: [],
};

describe("reserved and hostile names", () => {
  it("renames reserved names away from every name in use", () => {
    const taken = new Set(["all_", "all__"]);
    expect(unreserved("all", (n) => taken.has(n))).toBe("all___");
    expect(unreserved("_meta", () => false)).toBe("_meta_");
    expect(unreserved("kafka", () => true)).toBe("kafka");
  });

  it("keeps _meta, all and ungrouped the inventory's own", () => {
    const { inventory, notes } = buildInventory(
      [host("i-1", "_meta"), host("i-2", "all"), host("i-3", "ungrouped"), host("all", "g")],
      options,
    );
    const list = toAnsibleList(inventory) as Record<string, { hosts?: string[]; children?: string[] }>;
    expect(Object.keys(list._meta!)).toEqual(["hostvars"]);
    expect(list.all!.hosts).toBeUndefined();
    expect(list._meta_!.hosts).toEqual(["i-1"]);
    expect(list.all_!.hosts).toEqual(["i-2"]);
    expect(list.ungrouped_!.hosts).toEqual(["i-3"]);
    expect(list.elastigroups!.children).toEqual(["_meta_", "all_", "g", "ungrouped_"]);
    // The host named "all" cannot be "all_" (a group): it gets its id too.
    expect(Object.keys(inventory.hosts).sort()).toEqual(["all__all", "i-1", "i-2", "i-3"]);
    expect(notes.map((n) => n.message)).toContain(
      'group name "all" (source s) is reserved in Ansible inventories; renamed to "all_"',
    );
  });

  it("treats __proto__, constructor and toString as plain names", () => {
    const proto = JSON.parse('{"__proto__": "tag value"}');
    const { inventory } = buildInventory(
      [host("__proto__", "constructor", proto), host("toString", "valueOf")],
      { ...options, keyedGroups: [{ key: "tags.__proto__", prefix: "", separator: "_" }] },
    );
    expect(Object.keys(inventory.hosts)).toEqual(["__proto__", "toString"]);
    expect(Object.keys(inventory.groups)).toEqual(
      expect.arrayContaining(["valueOf", "constructor", "tag_value"]),
    );
    expect(toAnsibleHost(inventory, "__proto__")).toEqual({ id: "__proto__" });
    expect(toAnsibleHost(inventory, "constructor")).toEqual({});
    expect(toAnsibleHost(inventory, "hasOwnProperty")).toEqual({});
    expect(JSON.stringify(toAnsibleList(inventory))).toContain('"hostvars":{"__proto__":{"id":"__proto__"}');
  });
});

describe("globMatcher", () => {
  const t = (g: string | string[], n: string) => globMatcher(g)(n);
  it("matches names, not paths: * and ? cross / and newlines", () => {
    expect(t("*", "team/kafka")).toBe(true);
    expect(t("kafka-*", "kafka-a/b\nc")).toBe(true);
    expect(t("kafka-?", "kafka-/")).toBe(true);
    expect(t("a.b", "aXb")).toBe(false);
    expect(t("$(id)*", "$(id) x")).toBe(true);
    expect(t("{{ x }}", "{{ x }}")).toBe(true);
  });
  it("has fnmatch classes and picomatch braces", () => {
    expect(t("k[0-9]", "k5")).toBe(true);
    expect(t("k[!0-9]", "k5")).toBe(false);
    expect(t("k[!0-9]", "kx")).toBe(true);
    expect(t("[]]", "]")).toBe(true);
    expect(t("{kafka,zk}-*", "zk-1")).toBe(true);
    expect(t(["web", "{kafka,zk}-*"], "web-1")).toBe(false);
  });
  it("reads what it cannot compile as the literal name", () => {
    expect(t("k[", "k[")).toBe(true);
    expect(t("[z-a]", "[z-a]")).toBe(true);
    expect(t("[z-a]", "z")).toBe(false);
  });
});
