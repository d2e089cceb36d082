import { describe, expect, it } from "vitest";
import { batchSize, orderHosts, serialBatches } from "../../src/play/run/batches.js";

const seven = ["h1", "h2", "h3", "h4", "h5", "h6", "h7"];
const sizes = (serial: (number | string)[]) => serialBatches(seven, serial).map((b) => b.length);

describe("serial batches", () => {
  it("int, percent (truncated, at least 1), list whose last entry repeats", () => {
    expect(sizes([])).toEqual([7]);
    expect(sizes([2])).toEqual([2, 2, 2, 1]);
    expect(sizes(["30%"])).toEqual([2, 2, 2, 1]);
    expect(sizes(["10%"])).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(sizes(["0%"])).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(sizes([1, 2, "50%"])).toEqual([1, 2, 3, 1]);
    expect(sizes([0])).toEqual([7]);
    expect(sizes([3, 0])).toEqual([3, 4]);
    expect(sizes(["150%"])).toEqual([7]);
    expect(serialBatches(seven, [3])[1]).toEqual(["h4", "h5", "h6"]);
  });

  it("computes Ansible's pct_to_int", () => {
    expect(batchSize("30%", 7)).toBe(2);
    expect(batchSize("33.3%", 10)).toBe(3);
    expect(batchSize(4, 7)).toBe(4);
  });
});

describe("host order", () => {
  const vars: Record<string, Record<string, unknown>> = {
    b: { spotinst_launchedAt: "2024-03-01T00:00:00.000Z" },
    a: { ec2_launch_time: "2024-01-01T00:00:00Z" },
    c: {},
    d: { spotinst_launchedAt: "2023-12-31T23:00:00.000Z" },
  };
  const list = ["b", "a", "c", "d"];
  const order = (o: Parameters<typeof orderHosts>[1]) =>
    orderHosts(
      list,
      o,
      (h) => vars[h] ?? {},
      () => 0,
    );

  it("inventory, reverse, sorted, oldest first (undated last), shuffle", () => {
    expect(order("inventory")).toEqual(["b", "a", "c", "d"]);
    expect(order("reverse_inventory")).toEqual(["d", "c", "a", "b"]);
    expect(order("sorted")).toEqual(["a", "b", "c", "d"]);
    expect(order("reverse_sorted")).toEqual(["d", "c", "b", "a"]);
    expect(order("oldest_first")).toEqual(["d", "a", "b", "c"]);
    expect(order("shuffle").sort()).toEqual(["a", "b", "c", "d"]);
  });
});
