// Tests that spawn the CLI run the built JS: build once per `npm test` so they never test a
// stale dist/. Type errors don't stop the emit (tsc still writes JS); `npm run typecheck`
// is where they fail the build. At the end, remove what the sshd fixture left on the machine.
import { spawnSync } from "node:child_process";
import { removeSshFixtureLeftovers } from "./sshd-fixture-leftovers.js";

export default function setup(): () => Promise<void> {
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    encoding: "utf8",
  });
  if (r.status !== 0 && !/error TS/.test(r.stdout)) throw new Error(`build failed: ${r.stderr || r.stdout}`);
  spawnSync("chmod", ["+x", "dist/cli/main.js"]);
  return async () => {
    await removeSshFixtureLeftovers();
  };
}
