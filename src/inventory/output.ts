/**
 * What `ansible-inventory` prints: `--list` (JSON), `--graph [--vars]` and `--host H`, built from the
 * Inventory model with the same shapes and ordering.
 */
import { InventoryError } from '../errors';
import { pyStr } from './pyrepr';
import type { Inventory, Vars } from './types';

/** `ansible-inventory --host H`: the host's vars after precedence. */
export function hostVars(inv: Inventory, host: string): Vars {
  const h = inv.hosts.get(host);
  if (!h) throw new InventoryError(`Could not match supplied host pattern: ${host}`);
  return { ...h.vars };
}

/** The vars `ansible-inventory` shows for a group: its own plus group_vars/, plus a non-default priority. */
export function groupVars(inv: Inventory, group: string): Vars {
  const g = inv.groups.get(group);
  if (!g) throw new InventoryError(`no such group: ${group}`);
  const out: Vars = { ...g.vars };
  if (g.priority !== undefined && g.priority !== 1) out.ansible_group_priority = g.priority;
  return out;
}

export interface AnsibleList {
  _meta: { hostvars: Record<string, Vars> };
  [group: string]: { hosts?: string[]; children?: string[]; vars?: Vars } | { hostvars: Record<string, Vars> };
}

/** `ansible-inventory --list`. */
export function toAnsibleList(inv: Inventory): AnsibleList {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = inv.groups.get(name)!;
    const entry: { hosts?: string[]; children?: string[] } = {};
    if (name !== 'all' && g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    if (Object.keys(entry).length) out[name] = entry;
    for (const c of g.children) {
      if (!seen.has(c)) {
        // Ansible marks the child seen only after formatting it, so shared children print once per first path
        format(c);
        seen.add(c);
      }
    }
  };
  format('all');
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hosts.values()) {
    if (Object.keys(h.vars).length) hostvars[h.name] = { ...h.vars };
  }
  return { ...(out as Record<string, never>), _meta: { hostvars } } as AnsibleList;
}

/** `ansible-inventory --graph [group] [--vars]`. */
export function toGraph(inv: Inventory, group = 'all', opts: { vars?: boolean } = {}): string {
  if (!inv.groups.has(group)) throw new InventoryError('Pattern must be valid group name when using --graph');
  const lines: string[] = [];
  const name = (text: string, depth: number): string => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const showVars = (vars: Vars, depth: number): void => {
    for (const k of Object.keys(vars).sort(pyCompare)) lines.push(name(`{${k} = ${pyStr(vars[k])}}`, depth));
  };
  const walk = (g: string, depth: number): void => {
    lines.push(name(`@${g}:`, depth));
    const node = inv.groups.get(g)!;
    for (const c of node.children) walk(c, depth + 1);
    if (g !== 'all') {
      for (const h of node.hosts) {
        lines.push(name(h, depth + 1));
        if (opts.vars) showVars(inv.hosts.get(h)!.vars, depth + 2);
      }
    }
    if (opts.vars) showVars(groupVars(inv, g), depth + 1);
  };
  walk(group, 0);
  return lines.join('\n');
}

/** Python's default str ordering: by code point. */
function pyCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON as `ansible-inventory` prints it: keys sorted, 4-space indent. */
export function formatAnsibleJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort(pyCompare)) {
        Object.defineProperty(out, k, { value: sortKeys((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value), null, 4);
}
