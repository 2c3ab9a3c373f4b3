/** The Inventory model: what every inventory source (INI, YAML, directory, inventory plugin) parses to. */

export type Vars = Record<string, unknown>;

export interface InventoryHost {
  name: string;
  /** Vars after Ansible's precedence: all < parent groups < child groups < host; group_vars/host_vars files beside their inline twins. */
  vars: Vars;
  /** Every group the host belongs to, directly or through children, `all` and `ungrouped` included. Ordered by precedence: `all` first, then (depth, ansible_group_priority, name). */
  groups: string[];
  /** Vars set on the host in inventory files (host lines, `hosts:` entries). */
  inlineVars?: Vars;
  /** Vars from host_vars/ files, merged in source order. */
  fileVars?: Vars;
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in this group (not through children), in file order. */
  hosts: string[];
  children: string[];
  /** The group's own vars (inline and group_vars/), before merging into hosts. */
  vars: Vars;
  /** Groups that list this one under children. */
  parents?: string[];
  /** Longest path from `all` (all = 0): the first key when ordering group vars. */
  depth?: number;
  /** `ansible_group_priority` (default 1): the second key when ordering group vars. */
  priority?: number;
  /** Vars set in inventory files (`[g:vars]`, `vars:`), without group_vars/ files. */
  inlineVars?: Vars;
  /** Vars from group_vars/ files, merged in source order. */
  fileVars?: Vars;
}

export interface Inventory {
  /** Hosts in the order they were first seen. */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** The files that were read, for messages. */
  sources: string[];
  /** Things Ansible would warn about (skipped keys, a group and a host with one name, ...). */
  warnings?: string[];
  /** Values decrypted from ansible-vault (inline `!vault`, strings of encrypted files): masked in every output. */
  secrets?: string[];
}
