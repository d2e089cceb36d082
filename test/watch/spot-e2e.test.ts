// A spot interruption warning (EventBridge envelope) runs playbooks/spot-interruption.yml for
// that instance within 2 s of being queued (the notice gives 2 minutes): the play drains the
// instance and removes its DNS record through HTTP calls to a small local stand-in API.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../sim/aws/helpers.js";
import { type Harness, PLAYBOOKS, startHarness, watchFleet } from "./support/harness.js";

let h: Harness | undefined;
let api: Server | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await new Promise((r) => (api ? api.close(r) : r(undefined)));
  api = undefined;
});

interface Seen {
  method: string;
  url: string;
  body: string;
  authorization?: string;
  at: number;
}

/** A stand-in for a service's drain endpoint and a DNS provider's record API. */
async function startStandInApi(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  api = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        body,
        authorization: req.headers.authorization,
        at: Date.now(),
      });
      res.writeHead(req.method === "DELETE" ? 204 : 202).end();
    });
  });
  await new Promise<void>((r) => api!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, seen };
}

describe("rollcall watch: spot interruption", () => {
  it("drains the instance and moves its DNS record within 2 s of the notice being queued", async () => {
    const standIn = await startStandInApi();
    h = await startHarness(watchFleet({ desired: 2, notifications: false }), 50);
    const config = h.writeConfig({
      on_interruption: {
        playbook: join(PLAYBOOKS, "spot-interruption.yml"),
        vars: {
          // Config vars are values, not templates: the play's own vars are where templates go.
          drain_url: `${standIn.url}/drain`,
          dns_api_url: `${standIn.url}/dns`,
          dns_zone: "prod.example.internal",
          dns_api_token: "dns-token-for-tests",
        },
      },
    });
    const w = h.startWatcher(config);
    await w.waitFor(/watching/);
    await w.waitFor(/test notification \(sns\): deleted/);

    const { instanceId, queue } = h.sim.injectInstanceEvent({
      kind: "spot-interruption",
      target: "kafka-asg-prod",
    });
    const queuedAt = queue.history.filter((e) => e.kind === "sent").at(-1)!.at;
    await eventually(() => expect(standIn.seen.filter((s) => s.method === "DELETE")).toHaveLength(1), 5000);
    const [drain, dns] = standIn.seen;
    expect(drain).toMatchObject({ method: "POST", url: "/drain" });
    expect(JSON.parse(drain!.body)).toEqual({
      instance_id: instanceId,
      reason: "spot interruption (terminate)",
    });
    expect(dns).toMatchObject({
      method: "DELETE",
      url: `/dns/zones/prod.example.internal/records/${instanceId}`,
      authorization: "Bearer dns-token-for-tests",
    });
    if (process.env.SHOW_WATCH) console.log(`queued → DNS call: ${dns!.at - queuedAt} ms`);
    expect(dns!.at - queuedAt).toBeLessThan(2000);
    await w.waitFor(new RegExp(`interruption event for ${instanceId} \\(eventbridge`));
    await w.waitFor(/^watch: \S+ deleted$/);
    // The token is a var from the config, never printed.
    expect(w.stdout()).not.toContain("dns-token-for-tests");
  }, 90_000);

  it("--json: one JSON object per line, play events tagged with the message id", async () => {
    const standIn = await startStandInApi();
    h = await startHarness(watchFleet({ desired: 1, notifications: false }), 50);
    const config = h.writeConfig({
      on_interruption: {
        playbook: join(PLAYBOOKS, "spot-interruption.yml"),
        vars: { drain_url: `${standIn.url}/drain`, dns_api_url: standIn.url },
      },
    });
    const w = h.startWatcher(config, {}, ["--json"]);
    await w.waitFor(/"what":"started"/);
    const { instanceId } = h.sim.injectInstanceEvent({ kind: "spot-interruption", target: "kafka-asg-prod" });
    await w.waitFor(/"what":"deleted"/);
    const lines = w.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    const received = lines.find((l) => l.what === "received")!;
    expect(received).toMatchObject({ type: "watch", kind: "interruption", instance_id: instanceId });
    const plays = lines.filter((l) => l.type !== "watch");
    expect(plays.map((l) => l.type)).toContain("playbook_end");
    expect(plays.every((l) => l.message_id === received.message_id)).toBe(true);
    expect(plays.find((l) => l.type === "playbook_end")).toMatchObject({ exitCode: 0 });
  }, 90_000);
});
