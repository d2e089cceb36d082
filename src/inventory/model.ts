// The inventory model every source maps into and every builder (Ansible JSON, Salt roster,
// the play runner's host patterns) reads from.

export type Vars = Record<string, unknown>;

/** One machine as a source reports it, before host names and group names are decided. */
export interface HostRecord {
  /** Unique within the source (instance id, or SSI id); used to break host-name collisions. */
  id: string;
  /** Name of the configured source that produced it. */
  source: string;
  /**
   * Candidate host names by key, in no particular order; the config's `hostnames` list picks.
   * Keys used by sources: "private-ip", "public-ip", "private-dns", "public-dns", "instance-id",
   * "ssi-id", "tag:<Key>".
   */
  names: Record<string, string | undefined>;
  /** A name chosen by the user (static hosts): used as is, ignoring the `hostnames` preference. */
  fixedName?: string;
  /** The address to connect to (becomes ansible_host). */
  address?: string;
  /** Prefixed hostvars: spotinst_…, ec2_…, asg_… */
  vars: Vars;
  /** Groups the host belongs to, each optionally under a parent group (elastigroups, …). */
  groups: GroupRef[];
  /** Tags available to keyed groups (group tags for Spotinst, instance tags for EC2). */
  tags: Record<string, string>;
  /** Launch time (ISO 8601) for `order: oldest_first`. */
  launchedAt?: string;
}

export interface GroupRef {
  name: string;
  parent?: string;
}

export interface Group {
  name: string;
  /** Host names: sorted for rollcall's own sources, in declaration order for Ansible's formats. */
  hosts: string[];
  /** Child group names, in the same order as `hosts`. */
  children: string[];
  vars: Vars;
  /**
   * Vars from `group_vars/` files. Ansible applies them after every group's inventory vars (so a
   * file for a parent group beats an inventory var of a child group): they are kept apart.
   */
  fileVars?: Vars;
  /** `ansible_group_priority`: among groups of one depth, a higher priority merges later. */
  priority?: number;
}

export interface Inventory {
  /** Host name → hostvars; keys in inventory order (sorted for rollcall's own sources). */
  hosts: Record<string, Vars>;
  /** All groups including `all` and `ungrouped`, in inventory order. */
  groups: Record<string, Group>;
  /**
   * The order hosts and groups were declared in, when a source has one (Ansible's formats): a
   * JS object cannot keep it for integer-like names ("10" always comes first).
   */
  order?: { hosts: string[]; groups: string[] };
}

/** Something worth telling the user under -v (a skipped instance, a renamed host…). */
export interface InventoryNote {
  level: "verbose" | "warn";
  message: string;
  /** A wait this long starts now (rate limiting): a terminal may show a countdown. */
  waitMs?: number;
}
