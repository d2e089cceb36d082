// The README's "Try it against the simulator" block, run as written by bash in the repository
// (the real `npx rollcall`, the real ansible-inventory), with a private HOME and no inherited
// Spotinst/AWS variables: what a new user pastes must work.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasProgram } from "../helpers/programs.js";

function tryItBlock(): string {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## Try it against the simulator"));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("no sh block under 'Try it against the simulator'");
  return m[1]!;
}

const run = hasProgram("ansible-inventory") || process.env.CI === "true";

describe.runIf(run)("README: try it against the simulator", () => {
  it("runs as written: the graph from the real ansible-inventory, then a recycle with no failure", async () => {
    const home = await mkdtemp(join(tmpdir(), "rollcall-readme-"));
    // The block writes /tmp/rollcall-sim.env; give this run its own /tmp-like names instead.
    const script = tryItBlock().replaceAll("/tmp/rollcall-sim", join(home, "rollcall-sim"));
    const env: Record<string, string> = {
      PATH: process.env.PATH!,
      HOME: home,
      XDG_CACHE_HOME: join(home, "cache"),
      XDG_STATE_HOME: join(home, "state"),
      ANSIBLE_LOCAL_TEMP: join(home, "ansible-tmp"),
      npm_config_yes: "true",
    };
    try {
      const child = spawn("bash", ["-e", "-c", script], { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d;
      });
      child.stderr.on("data", (d: Buffer) => {
        out += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code, out).toBe(0);
      expect(out).toMatch(/^@all:$/m);
      expect(out).toMatch(/\|--@kafka-prod:/);
      const recap = out.slice(out.indexOf("PLAY RECAP"));
      expect(recap.match(/changed=1 /g), out).toHaveLength(3);
      expect(recap).not.toMatch(/failed=[1-9]|unreachable=[1-9]/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
