import { spawnSync } from "node:child_process";

export function hasProgram(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}

export interface ActiveInstance {
  id: string;
  privateIp: string;
  instanceId: string;
  groupId: string;
  groupName: string;
}

/** Ask a (simulated) Spotinst API which stateful instances are ACTIVE, the way a user would. */
export async function listActiveInstances(
  env: Record<string, string | undefined>,
): Promise<ActiveInstance[]> {
  const base = env.SPOTINST_API_URL!;
  const q = `accountId=${env.SPOTINST_ACCOUNT_ID}`;
  const headers = { authorization: `Bearer ${env.SPOTINST_API_TOKEN}` };
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}?${q}`, { headers });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return ((await res.json()) as { response: { items: Record<string, string>[] } }).response.items;
  };
  const out: ActiveInstance[] = [];
  for (const g of await get("/aws/ec2/group")) {
    for (const s of await get(`/aws/ec2/group/${g.id}/statefulInstance`)) {
      if (s.state === "ACTIVE") {
        out.push({
          id: s.id!,
          privateIp: s.privateIp!,
          instanceId: s.instanceId!,
          groupId: g.id!,
          groupName: g.name!,
        });
      }
    }
  }
  return out;
}
