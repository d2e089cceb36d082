import { describe, expect, it } from "vitest";
import { buildInventory, compareNames, sanitizeGroupName } from "../../src/inventory/build.js";
import { toAnsibleHost, toAnsibleList } from "../../src/inventory/builders/ansible.js";
import type { HostRecord } from "../../src/inventory/model.js";

const base = {
  hostnames: ["private-ip", "instance-id", "ssi-id"],
  sanitizeGroupNames: false,
  parentGroups: true,
  keyedGroups: [],
};

function ssi(id: string, ip: string | undefined, group = "sig-1", name = "kafka-prod"): HostRecord {
  return {
    id,
    source: "s",
    names: { "private-ip": ip, "ssi-id": id },
    address: ip,
    vars: { spotinst_id: id, spotinst_privateIp: ip, spotinst_esg_id: group, spotinst_esg_name: name },
    groups: [
      { name: group, parent: "elastigroups" },
      { name, parent: "elastigroups" },
    ],
    tags: { service: "kafka", env: "prod" },
  };
}

describe("buildInventory", () => {
  it("names hosts by private IP and groups them by group id and name under elastigroups", () => {
    const { inventory } = buildInventory([ssi("ssi-2", "127.1.0.10"), ssi("ssi-1", "127.1.0.2")], base);
    expect(Object.keys(inventory.hosts)).toEqual(["127.1.0.2", "127.1.0.10"]);
    expect(inventory.groups["sig-1"]!.hosts).toEqual(["127.1.0.2", "127.1.0.10"]);
    expect(inventory.groups["kafka-prod"]!.hosts).toEqual(["127.1.0.2", "127.1.0.10"]);
    expect(inventory.groups.elastigroups!.children).toEqual(["kafka-prod", "sig-1"]);
    expect(inventory.groups.all!.children).toEqual(["elastigroups", "ungrouped"]);
    expect(inventory.hosts["127.1.0.2"]).toMatchObject({
      ansible_host: "127.1.0.2",
      ansible_ssh_host: "127.1.0.2",
    });
  });

  it("puts groups directly under all when parent groups are off", () => {
    const { inventory } = buildInventory([ssi("ssi-1", "127.1.0.2")], { ...base, parentGroups: false });
    expect(inventory.groups.all!.children).toEqual(["kafka-prod", "sig-1", "ungrouped"]);
    expect(inventory.groups.elastigroups).toBeUndefined();
  });

  it("never merges two instances that share a name", () => {
    const { inventory, notes } = buildInventory([ssi("ssi-a", "127.1.0.5"), ssi("ssi-b", "127.1.0.5")], base);
    expect(Object.keys(inventory.hosts)).toEqual(["127.1.0.5_ssi-a", "127.1.0.5_ssi-b"]);
    expect(notes[0]!.message).toContain("127.1.0.5");
  });

  it("falls back along the hostnames list, then to the id", () => {
    const { inventory } = buildInventory([ssi("ssi-x", undefined)], {
      ...base,
      hostnames: ["private-ip", "ssi-id"],
    });
    expect(Object.keys(inventory.hosts)).toEqual(["ssi-x"]);
    expect(inventory.hosts["ssi-x"]).not.toHaveProperty("ansible_host");
    const byTag = buildInventory([ssi("ssi-x", undefined)], { ...base, hostnames: ["tag:service"] });
    expect(Object.keys(byTag.inventory.hosts)).toEqual(["kafka"]);
  });

  it("sanitizes group names on request, and always for keyed groups", () => {
    const { inventory } = buildInventory([ssi("ssi-1", "127.1.0.2", "sig-1", "kafka prod")], {
      ...base,
      sanitizeGroupNames: true,
      keyedGroups: [
        { key: "tags.service", prefix: "svc", separator: "_" },
        { key: "tags.env", prefix: "", separator: "_", parent_group: "envs" },
      ],
    });
    expect(Object.keys(inventory.groups)).toEqual([
      "all",
      "elastigroups",
      "envs",
      "kafka_prod",
      "prod",
      "sig_1",
      "svc_kafka",
      "ungrouped",
    ]);
    expect(inventory.groups.envs!.children).toEqual(["prod"]);
    expect(inventory.groups.all!.children).toEqual(["elastigroups", "envs", "svc_kafka", "ungrouped"]);
  });

  it("puts hosts without groups in ungrouped and applies compose", () => {
    const lone: HostRecord = {
      id: "x",
      source: "s",
      names: {},
      fixedName: "lone",
      vars: { a: 1 },
      groups: [],
      tags: {},
    };
    const { inventory } = buildInventory([lone], { ...base, compose: (v) => ({ ansible_user: `u${v.a}` }) });
    expect(inventory.groups.ungrouped!.hosts).toEqual(["lone"]);
    expect(inventory.hosts.lone).toEqual({ a: 1, ansible_user: "u1" });
  });
});

describe("Ansible script output", () => {
  it("always has _meta.hostvars, all and ungrouped, even when empty", () => {
    const { inventory } = buildInventory([], base);
    expect(toAnsibleList(inventory)).toEqual({
      _meta: { hostvars: {} },
      all: { children: ["ungrouped"] },
      ungrouped: { hosts: [] },
    });
    expect(toAnsibleHost(inventory, "nope")).toEqual({});
  });

  it("is deterministic whatever the input order", () => {
    const recs = [
      ssi("ssi-1", "127.1.0.2"),
      ssi("ssi-3", "127.1.0.3", "sig-2", "zk"),
      ssi("ssi-2", "127.1.0.1"),
    ];
    const a = JSON.stringify(toAnsibleList(buildInventory(recs, base).inventory));
    const b = JSON.stringify(toAnsibleList(buildInventory([...recs].reverse(), base).inventory));
    expect(a).toBe(b);
  });
});

describe("names", () => {
  it("sorts naturally and sanitizes like Ansible", () => {
    expect(["web10", "web2", "127.0.0.10", "127.0.0.9"].sort(compareNames)).toEqual([
      "127.0.0.9",
      "127.0.0.10",
      "web2",
      "web10",
    ]);
    expect(sanitizeGroupName("kafka-prod.eu")).toBe("kafka_prod_eu");
    expect(sanitizeGroupName("1st")).toBe("_1st");
  });
});
