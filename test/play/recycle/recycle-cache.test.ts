// A recycle invalidates the inventory cache in the store the config names: with a shared Redis,
// the next `--list` on any machine sees the new address, not the recycled one. Real redis-server,
// real simulator, the CLI in-process for the play and for the inventory calls.
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { type RedisFixture, redisAvailability, startRedis } from "../../helpers/redis.js";
import { memoryContext } from "../support.js";
import { FAST, type RecycleRig, SSIS, startRig } from "./support.js";

const redisOk = redisAvailability();

describe.runIf(redisOk.run)("a recycle with the Redis cache store", () => {
  let rig: RecycleRig;
  let redis: RedisFixture;
  beforeAll(async () => {
    redis = await startRedis();
    rig = await startRig();
    await writeFile(
      rig.inventory,
      `sources:\n  - type: spotinst\n    name: sim\ncache:\n  ttl: 300\n  url: ${redis.url}\n  key_prefix: recycle-test\n`,
    );
    rig.env.ROLLCALL_REDIS_PASSWORD = redis.password;
  });
  afterAll(async () => {
    await rig?.close();
    await redis?.close();
  });

  /** `rollcall inventory --list` from another "machine": its own home, state and cache dirs. */
  async function listElsewhere(): Promise<{ hosts: string[]; requests: number }> {
    const before = rig.sim.spotinstStats.requests;
    const ctx = memoryContext(`${rig.dir}/other`, {
      ...rig.env,
      HOME: `${rig.dir}/other`,
      XDG_CACHE_HOME: `${rig.dir}/other/cache`,
      XDG_STATE_HOME: `${rig.dir}/other/state`,
    });
    const code = await runCli(["inventory", "--list", "-c", rig.inventory], ctx);
    expect(code, ctx.err.join("")).toBe(0);
    const list = JSON.parse(ctx.out.join("")) as { _meta: { hostvars: Record<string, unknown> } };
    return {
      hosts: Object.keys(list._meta.hostvars).sort(),
      requests: rig.sim.spotinstStats.requests - before,
    };
  }

  it("deletes the shared entries, so another machine's next --list shows the new address", async () => {
    const first = await listElsewhere();
    expect(first.requests).toBeGreaterThan(0);
    // A hit from the shared store: no request at all.
    expect((await listElsewhere()).requests).toBe(0);
    const old = rig.sim.world.findSsi(SSIS[0]!)!.privateIp!;
    const r = await rig.play([...FAST, "--limit", old]);
    expect(r.code, r.out).toBe(0);
    const now = rig.sim.world.findSsi(SSIS[0]!)!.privateIp;
    expect(now).not.toBe(old);
    const after = await listElsewhere();
    expect(after.requests).toBeGreaterThan(0);
    expect(after.hosts).toContain(now);
    expect(after.hosts).not.toContain(old);
  });
});
