/** The Inventory model: what every inventory source (INI, YAML, directory, lab plugin) parses to. */

export type Vars = Record<string, unknown>;

export interface InventoryHost {
  name: string;
  /** Vars after Ansible's precedence: all < parent groups < child groups < host; group_vars/host_vars files beside their inline twins. */
  vars: Vars;
  /** Every group the host belongs to, directly or through children, `all` and `ungrouped` included. */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in this group (not through children), in file order. */
  hosts: string[];
  children: string[];
  /** The group's own vars (inline and group_vars/), before merging into hosts. */
  vars: Vars;
}

export interface Inventory {
  /** Hosts in the order they were first seen. */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** The files that were read, for messages. */
  sources: string[];
}
