// The yargs-free recogniser of the inventory calls: exactly the forms it can answer, and nothing
// else (anything it declines goes through yargs, which validates and explains).
import { describe, expect, it } from "vitest";
import { parseInventoryCall } from "../../src/cli/inventory-lean.js";

describe("parseInventoryCall", () => {
  it.each([
    [["--list"], { list: true }],
    [["--host", "127.0.0.5"], { host: "127.0.0.5" }],
    [["--host=web-1"], { host: "web-1" }],
    [["inventory", "--list", "-c", "inv.yml"], { list: true, config: "inv.yml" }],
    [["inventory", "-c", "inv.yml", "--list"], { list: true, config: "inv.yml" }],
    [["inventory", "--config=inv.yml", "--host", "h"], { host: "h", config: "inv.yml" }],
    [["inventory", "--list", "--refresh-cache", "-vv"], { list: true, refreshCache: true, verbose: 2 }],
    [["--list", "-v", "--verbose"], { list: true, verbose: 2 }],
  ])("%j → %j", (argv, expected) => {
    expect(parseInventoryCall(argv)).toEqual(expected);
  });

  it.each([
    [["inventory", "-c", "x.yml"]],
    [["--list", "--host", "h"]],
    [["--list", "--list"]],
    [["--host"]],
    [["--host", ""]],
    [["--host="]],
    [["--host", "--list"]],
    [["inventory", "--list", "-c"]],
    [["inventory", "--list", "--help"]],
    [["inventory", "--list", "--debug"]],
    [["inventory", "--lst"]],
    [["--list=yes"]],
    [["roster", "--list"]],
  ])("declines %j", (argv) => {
    expect(parseInventoryCall(argv)).toBeUndefined();
  });
});
