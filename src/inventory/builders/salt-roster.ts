// The Salt-SSH flat roster (salt/roster/flat.py): minion id → connection entry, with only the
// keys the flat roster defines. Entries come from each host's connection vars (ansible_host,
// ansible_port, ansible_user, …) and the config's `roster:` section; the minion id is a template
// (default: the inventory host name; `{{ asg_name }}-{{ ec2_instance_id }}` is the ASG idiom).
import { z } from "zod";
import { InputError } from "../../errors.js";
import { renderValue, TemplateError } from "../../template/engine.js";
import { compareNames } from "../build.js";
import type { Inventory, Vars } from "../model.js";
import { nameMap } from "../names.js";

/** Every key Salt's flat roster reads; nothing else is ever written. */
export const SALT_FLAT_ROSTER_KEYS = [
  "host",
  "user",
  "passwd",
  "port",
  "sudo",
  "sudo_user",
  "tty",
  "priv",
  "priv_passwd",
  "timeout",
  "minion_opts",
  "thin_dir",
  "cmd_umask",
  "ssh_pre_flight",
  "ssh_pre_flight_args",
  "set_path",
  "ssh_options",
] as const;

export type SaltRosterKey = (typeof SALT_FLAT_ROSTER_KEYS)[number];

/** Ansible-style booleans ("yes", "true", "1") as real ones, since Salt wants YAML booleans. */
const flag = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const s = v.toLowerCase();
  if (["true", "yes", "on", "1"].includes(s)) return true;
  if (["false", "no", "off", "0"].includes(s)) return false;
  return v;
}, z.boolean());

/** A rendered entry: Salt's types for each key. */
export const saltRosterEntrySchema = z.strictObject({
  host: z.string().min(1),
  user: z.string().min(1).optional(),
  passwd: z.string().optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  sudo: flag.optional(),
  sudo_user: z.string().optional(),
  tty: flag.optional(),
  priv: z.string().optional(),
  priv_passwd: z.string().optional(),
  timeout: z.coerce.number().int().positive().optional(),
  minion_opts: z.record(z.string(), z.unknown()).optional(),
  thin_dir: z.string().optional(),
  cmd_umask: z.union([z.int(), z.string()]).optional(),
  ssh_pre_flight: z.string().optional(),
  ssh_pre_flight_args: z.union([z.string(), z.array(z.string())]).optional(),
  set_path: z.string().optional(),
  ssh_options: z.array(z.string()).optional(),
});

export type SaltRosterEntry = z.output<typeof saltRosterEntrySchema>;
export type SaltRoster = Record<string, SaltRosterEntry>;

/** Config values may be templates, so only the key set is checked when the config loads. */
const templatedEntrySchema = z.strictObject(
  Object.fromEntries(SALT_FLAT_ROSTER_KEYS.map((k) => [k, z.unknown().optional()])) as Record<
    SaltRosterKey,
    z.ZodOptional<z.ZodUnknown>
  >,
);

export const rosterConfigSchema = z.strictObject({
  /** Template for the minion id, over the host's vars plus inventory_hostname and group_names. */
  minion_id: z.string().min(1).default("{{ inventory_hostname }}"),
  /** Inventory groups whose hosts become roster entries. */
  groups: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .transform((v) => (typeof v === "string" ? [v] : v))
    .default(["all"]),
  /** Read host/port/user/priv/passwd/sudo from the hosts' ansible_* connection vars. */
  from_hostvars: z.boolean().default(true),
  /** Values (or templates) for keys the host's vars do not give. */
  defaults: templatedEntrySchema.default({}),
  /** Values (or templates) that win over everything else. */
  fields: templatedEntrySchema.default({}),
});

export type RosterConfig = z.output<typeof rosterConfigSchema>;

/** Ansible connection vars → flat roster keys, modern names before the legacy ansible_ssh_* ones. */
const FROM_HOSTVARS: [SaltRosterKey, string[]][] = [
  ["host", ["ansible_host", "ansible_ssh_host"]],
  ["port", ["ansible_port", "ansible_ssh_port"]],
  ["user", ["ansible_user", "ansible_ssh_user"]],
  ["passwd", ["ansible_password", "ansible_ssh_pass"]],
  ["priv", ["ansible_ssh_private_key_file", "ansible_private_key_file"]],
  ["sudo", ["ansible_become"]],
  ["sudo_user", ["ansible_become_user"]],
];

export function buildSaltRoster(
  inventory: Inventory,
  config: RosterConfig,
  options: { env?: Record<string, string | undefined> } = {},
): SaltRoster {
  const env = options.env ?? {};
  const groupNames = groupsByHost(inventory);
  // Minion ids come from host names and vars: no prototype, so "__proto__" is an id like any other.
  const roster: SaltRoster = nameMap<SaltRosterEntry>();
  const owner = new Map<string, string>();
  for (const hostname of selectHosts(inventory, config.groups)) {
    const vars: Vars = {
      ...inventory.hosts[hostname],
      inventory_hostname: hostname,
      group_names: groupNames.get(hostname) ?? [],
    };
    const render = (what: string, value: unknown) => {
      try {
        return renderValue(value, { vars, env });
      } catch (err) {
        if (err instanceof TemplateError)
          throw new InputError(`roster.${what}: host ${hostname}: ${err.message}`);
        throw err;
      }
    };
    const id = String(render("minion_id", config.minion_id) ?? "");
    if (!id) throw new InputError(`roster.minion_id: host ${hostname}: renders an empty minion id`);
    const previous = owner.get(id);
    if (previous !== undefined) {
      // Never merge two machines into one minion (the duplicate-hostname bug of ec2.py).
      throw new InputError(
        `roster.minion_id: hosts ${previous} and ${hostname} both render the minion id "${id}": make the template unique, e.g. "{{ asg_name }}-{{ ec2_instance_id }}"`,
      );
    }
    owner.set(id, hostname);
    roster[id] = buildEntry(hostname, vars, config, render);
  }
  return roster;
}

function buildEntry(
  hostname: string,
  vars: Vars,
  config: RosterConfig,
  render: (what: string, value: unknown) => unknown,
): SaltRosterEntry {
  const entry: Record<string, unknown> = {};
  if (config.from_hostvars) {
    for (const [key, names] of FROM_HOSTVARS) {
      const name = names.find((n) => vars[n] !== undefined && vars[n] !== null && vars[n] !== "");
      if (name) entry[key] = vars[name];
    }
  }
  entry.host ??= hostname;
  for (const [key, value] of Object.entries(config.defaults)) {
    if (value !== undefined && entry[key] === undefined) entry[key] = render(`defaults.${key}`, value);
  }
  for (const [key, value] of Object.entries(config.fields)) {
    if (value !== undefined) entry[key] = render(`fields.${key}`, value);
  }
  for (const key of Object.keys(entry))
    if (entry[key] === undefined || entry[key] === null) delete entry[key];
  const checked = saltRosterEntrySchema.safeParse(entry);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new InputError(`roster: host ${hostname}: ${issue.path.join(".") || "entry"}: ${issue.message}`);
  }
  return checked.data;
}

function groupsByHost(inventory: Inventory): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, group] of Object.entries(inventory.groups)) {
    if (name === "all") continue;
    for (const h of group.hosts) out.set(h, [...(out.get(h) ?? []), name]);
  }
  return out;
}

/** Hosts of the named groups and their descendants, in inventory order. */
function selectHosts(inventory: Inventory, groups: readonly string[]): string[] {
  if (groups.includes("all")) return Object.keys(inventory.hosts).sort(compareNames);
  const chosen = new Set<string>();
  const visit = (name: string, seen: Set<string>) => {
    const g = inventory.groups[name];
    if (!g || seen.has(name)) return;
    seen.add(name);
    for (const h of g.hosts) chosen.add(h);
    for (const c of g.children) visit(c, seen);
  };
  for (const name of groups) {
    if (!inventory.groups[name])
      throw new InputError(`roster.groups: no group named "${name}" in the inventory`);
    visit(name, new Set());
  }
  return [...chosen].sort(compareNames);
}
