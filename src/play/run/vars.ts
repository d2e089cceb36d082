// Variables per host, with Ansible's precedence (low → high): inventory (group, then host vars),
// play vars, vars_files, facts (set_fact, register), extra vars (-e), then magic variables.
// Handlebars reads own properties only, so every scope is a flat object.
import type { Vars } from "../../inventory/model.js";
import { lazyVars, renderValue, type TemplateScope, trustTemplates } from "../../template/engine.js";
import type { InventoryView } from "../hosts/inventory.js";

export interface PlayVarsInput {
  name: string;
  vars: Vars;
  hosts: string[];
  checkMode: boolean;
}

export class VarStore {
  /** set_fact and registered results, kept across plays (as Ansible does). */
  private readonly facts = new Map<string, Vars>();
  private play: PlayVarsInput = { name: "", vars: {}, hosts: [], checkMode: false };
  private batch: string[] = [];
  private hostvars: Record<string, unknown> = {};
  private groups: Record<string, string[]> = {};

  constructor(
    private readonly view: InventoryView,
    private readonly extraVars: Vars,
    private readonly env: Record<string, string | undefined>,
    private readonly base: Vars,
  ) {}

  startPlay(play: PlayVarsInput): void {
    // Play vars are the author's: their templates are rendered when read. Nothing else is.
    this.play = { ...play, vars: trustTemplates(play.vars) };
    this.groups = Object.fromEntries(this.view.groupHosts);
    // hostvars[h] is computed when read, so it always shows the latest facts.
    const hostvars: Record<string, unknown> = {};
    for (const h of this.view.order) {
      Object.defineProperty(hostvars, h, { enumerable: true, get: () => this.varsOf(h) });
    }
    this.hostvars = hostvars;
  }

  startBatch(hosts: string[]): void {
    this.batch = hosts;
  }

  setFacts(host: string, facts: Vars): void {
    const current = this.facts.get(host);
    if (current) Object.assign(current, facts);
    else this.facts.set(host, { ...facts });
  }

  /** A host's variables without magic ones (what hostvars[h] shows), templates rendered for h. */
  varsOf(host: string): Vars {
    const vars = {
      ...this.view.vars.get(host),
      ...this.play.vars,
      ...this.facts.get(host),
      ...this.extraVars,
      inventory_hostname: host,
    };
    return lazyVars(vars, (t) => renderValue(t, this.scopeFor(host)));
  }

  /** The template scope for a task on a host. Callers may add keys (item, ansible_failed_*). */
  scopeFor(host: string, extra?: Vars): TemplateScope {
    const vars: Vars = {
      ...this.base,
      ...this.view.vars.get(host),
      ...this.play.vars,
      ...this.facts.get(host),
      ...this.extraVars,
      inventory_hostname: host,
      inventory_hostname_short: host.split(".")[0],
      group_names: this.view.hostGroups.get(host) ?? [],
      groups: this.groups,
      hostvars: this.hostvars,
      play_hosts: this.batch,
      ansible_play_hosts: this.batch,
      ansible_play_batch: this.batch,
      ansible_play_hosts_all: this.play.hosts,
      ansible_play_name: this.play.name,
      ansible_check_mode: this.play.checkMode,
      ...extra,
    };
    return { vars, env: this.env };
  }

  /** Play-level scope (no host): for task names in banners and vars_files paths. */
  playScope(): TemplateScope {
    return {
      vars: {
        ...this.base,
        ...this.play.vars,
        ...this.extraVars,
        groups: this.groups,
        hostvars: this.hostvars,
        ansible_play_hosts_all: this.play.hosts,
        ansible_play_name: this.play.name,
        ansible_check_mode: this.play.checkMode,
      },
      env: this.env,
    };
  }
}

/** Names every scope defines, for the static undefined-name check. */
export const MAGIC_VARS: readonly string[] = [
  "inventory_hostname",
  "inventory_hostname_short",
  "group_names",
  "groups",
  "hostvars",
  "play_hosts",
  "ansible_play_hosts",
  "ansible_play_batch",
  "ansible_play_hosts_all",
  "ansible_play_name",
  "ansible_check_mode",
  "ansible_verbosity",
  "playbook_dir",
];
