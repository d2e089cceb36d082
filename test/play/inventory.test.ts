import { describe, expect, it } from "vitest";
import type { Inventory } from "../../src/inventory/model.js";
import { hostListInventory, isHostList, viewOf } from "../../src/play/hosts/inventory.js";

describe("inventory view", () => {
  it("parses Ansible's comma host list in order", () => {
    expect(isHostList("h2,h1,")).toBe(true);
    expect(isHostList("inventory.yml")).toBe(false);
    const inv = hostListInventory("h2, h1,h2,");
    expect(Object.keys(inv.hosts)).toEqual(["h2", "h1"]);
    expect(inv.groups.ungrouped?.hosts).toEqual(["h2", "h1"]);
  });

  it("merges vars: all < parent groups < child groups < host; lists group names", () => {
    const inv: Inventory = {
      hosts: { k1: { port: 1 }, k2: {} },
      groups: {
        all: { name: "all", hosts: [], children: ["elastigroups"], vars: { port: 0, env: "all" } },
        elastigroups: {
          name: "elastigroups",
          hosts: [],
          children: ["kafka"],
          vars: { env: "parent", tier: "p" },
        },
        kafka: { name: "kafka", hosts: ["k1", "k2"], children: [], vars: { tier: "child", port: 9092 } },
      },
    };
    const view = viewOf(inv);
    expect(view.vars.get("k1")).toEqual({ port: 1, env: "parent", tier: "child" });
    expect(view.vars.get("k2")).toEqual({ port: 9092, env: "parent", tier: "child" });
    expect(view.hostGroups.get("k1")).toEqual(["elastigroups", "kafka"]);
    expect(view.groupHosts.get("elastigroups")).toEqual(["k1", "k2"]);
  });
});
