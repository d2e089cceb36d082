// The Spotinst answers the inventory reads, checked before they are mapped: the API (or whatever
// answers at its URL) is remote data, and `items: [null]` or a group whose name is an object must
// be a remote-data error (exit 3) naming the request and the field, not a TypeError deep in the
// mapping. Only the fields the mapping reads are checked; the rest passes through as data.
import type { SpotinstGroup, SpotinstGroupInstance, StatefulInstance } from "../../cloud/spotinst/types.js";
import { describeValue } from "../../config/yaml.js";
import { RemoteError } from "../../errors.js";

type Check = (item: Record<string, unknown>, at: string) => string | undefined;

const str =
  (field: string, optional = false): Check =>
  (item, at) => {
    const v = item[field];
    if (typeof v === "string" && (optional || v !== "")) return undefined;
    if (optional && (v === undefined || v === null)) return undefined;
    return `${at}.${field} is ${describeValue(v)}, expected a${optional ? "" : " non-empty"} string`;
  };

const tags: Check = (item, at) => {
  const list = (item.compute as { launchSpecification?: { tags?: unknown } } | undefined)?.launchSpecification
    ?.tags;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list))
    return `${at}.compute.launchSpecification.tags is ${describeValue(list)}, expected a list`;
  for (const [i, t] of list.entries()) {
    const ok =
      t && typeof t === "object" && typeof t.tagKey === "string" && typeof (t.tagValue ?? "") === "string";
    if (!ok)
      return `${at}.compute.launchSpecification.tags[${i}] is not a {tagKey, tagValue} pair of strings`;
  }
  return undefined;
};

function checkItems<T>(items: unknown, what: string, checks: Check[], operation: string): T[] {
  const fail = (problem: string) =>
    new RemoteError({ service: "spotinst", operation, apiMessage: `malformed answer: ${problem}` });
  if (!Array.isArray(items)) throw fail(`items is ${describeValue(items)}, expected a list`);
  items.forEach((item, i) => {
    const at = `items[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw fail(`${at} is ${describeValue(item)}, expected ${what}`);
    }
    for (const check of checks) {
      const problem = check(item as Record<string, unknown>, at);
      if (problem) throw fail(problem);
    }
  });
  return items as T[];
}

export function checkGroups(items: unknown): SpotinstGroup[] {
  return checkItems(
    items,
    "a group",
    [str("id"), str("name"), str("region", true), tags],
    "GET /aws/ec2/group",
  );
}

export function checkStatefulInstances(items: unknown, groupId: string): StatefulInstance[] {
  return checkItems(
    items,
    "a stateful instance",
    [str("id"), str("state"), str("privateIp", true), str("instanceId", true)],
    `GET /aws/ec2/group/${groupId}/statefulInstance`,
  );
}

export function checkGroupInstances(items: unknown, groupId: string): SpotinstGroupInstance[] {
  return checkItems(
    items,
    "an instance",
    // instanceId is null while a spot request waits for capacity.
    [str("instanceId", true), str("privateIp", true), str("publicIp", true)],
    `GET /aws/ec2/group/${groupId}/status`,
  );
}
