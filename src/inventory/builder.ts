/**
 * The mutable inventory that every source writes into, mirroring Ansible's InventoryData/Group/Host
 * rules: implicit `all` and `ungrouped`, children edges without cycles, `ansible_group_priority`,
 * and the reconcile step that hangs top-level groups under `all` and fills `ungrouped`.
 */
import { InventoryError } from '../errors';
import type { Vars } from './types';

export interface GroupNode {
  name: string;
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
  parents: string[];
  vars: Vars;
  priority: number;
}

export interface HostNode {
  name: string;
  vars: Vars;
  /** Groups that list the host directly, in the order it was added to them. */
  groups: string[];
}

/** Assigns like Object.assign, but a `__proto__` key stays an ordinary key. */
export function assignVars(target: Vars, src: Vars | undefined): Vars {
  if (!src) return target;
  for (const k of Object.keys(src)) {
    if (k === '__proto__') Object.defineProperty(target, k, { value: src[k], enumerable: true, writable: true, configurable: true });
    else target[k] = src[k];
  }
  return target;
}

export class InventoryBuilder {
  readonly groups = new Map<string, GroupNode>();
  readonly hosts = new Map<string, HostNode>();
  readonly warnings: string[] = [];
  /** Where each group was first declared, for errors found only once everything is read. */
  readonly groupOrigin = new Map<string, { file: string; line?: number }>();
  /** Set while an ansible-vault encrypted file is read: each var value it sets is a secret. */
  onVar: ((name: string, value: unknown) => void) | undefined;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: unknown, where?: { file: string; line?: number | undefined }): string {
    if (typeof name !== 'string') throw new InventoryError(`invalid group name ${JSON.stringify(name)}: group names must be strings`);
    if (!name) throw new InventoryError('invalid empty group name');
    if (!this.groups.has(name)) {
      this.groups.set(name, { name, hosts: [], hostSet: new Set(), children: [], parents: [], vars: {}, priority: 1 });
      if (where) this.groupOrigin.set(name, where.line === undefined ? { file: where.file } : { file: where.file, line: where.line });
    }
    return name;
  }

  addHost(name: unknown, group?: string, port?: number): string {
    if (typeof name !== 'string') throw new InventoryError(`invalid host name ${JSON.stringify(name)}: host names must be strings`);
    if (!name) throw new InventoryError('invalid empty host name');
    let g: GroupNode | undefined;
    if (group !== undefined) {
      g = this.groups.get(group);
      if (!g) throw new InventoryError(`could not find group ${group} in inventory`);
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, groups: [] };
      // Ansible sets the port only when the host is first seen
      if (port !== undefined) h.vars.ansible_port = port;
      this.hosts.set(name, h);
    }
    if (g) this.addHostToGroup(g, h);
    return name;
  }

  private addHostToGroup(g: GroupNode, h: HostNode): void {
    if (g.hostSet.has(h.name)) return;
    g.hosts.push(h.name);
    g.hostSet.add(h.name);
    h.groups.push(g.name);
  }

  /** Ansible's set_variable: a group of that name wins over a host of that name. */
  setVar(entity: string, key: string, value: unknown): void {
    this.onVar?.(key, value);
    const g = this.groups.get(entity);
    if (g) {
      if (key === 'ansible_group_priority') g.priority = pyIntPriority(value, entity);
      else assignVars(g.vars, { [key]: value });
      return;
    }
    const h = this.hosts.get(entity);
    if (!h) throw new InventoryError(`could not identify group or host named ${entity}`);
    assignVars(h.vars, { [key]: value });
  }

  /** Adds a group or host `child` to `parent`. */
  addChild(parent: string, child: string): void {
    const p = this.groups.get(parent);
    if (!p) throw new InventoryError(`${parent} is not a known group`);
    const c = this.groups.get(child);
    if (c) return this.addChildGroup(p, c);
    const h = this.hosts.get(child);
    if (h) return this.addHostToGroup(p, h);
    throw new InventoryError(`${child} is not a known host nor group`);
  }

  private addChildGroup(p: GroupNode, c: GroupNode): void {
    if (p === c) throw new InventoryError(`group '${p.name}' cannot be its own child`);
    if (p.children.includes(c.name)) return;
    if (this.ancestors(p.name).has(c.name)) {
      throw new InventoryError(
        `adding group '${c.name}' as child to '${p.name}' creates a recursive dependency loop (${this.loopPath(p.name, c.name)})`,
      );
    }
    p.children.push(c.name);
    if (!c.parents.includes(p.name)) c.parents.push(p.name);
  }

  /** The chain `c -> ... -> p -> c` that an edge p->c would close, for the error message. */
  private loopPath(p: string, c: string): string {
    const prev = new Map<string, string>();
    const queue = [c];
    while (queue.length) {
      const cur = queue.shift()!;
      if (cur === p) break;
      for (const k of this.groups.get(cur)!.children) {
        if (!prev.has(k)) {
          prev.set(k, cur);
          queue.push(k);
        }
      }
    }
    const path = [p];
    for (let cur = p; cur !== c && prev.has(cur); ) {
      cur = prev.get(cur)!;
      path.unshift(cur);
    }
    return [...path, c].join(' -> ');
  }

  ancestors(name: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...this.groups.get(name)!.parents];
    while (stack.length) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...this.groups.get(g)!.parents);
    }
    return seen;
  }

  /** InventoryData.reconcile_inventory: run once after every source is read. */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    const memo = new Map<string, Set<string>>();
    const closure = (g: string): Set<string> => {
      let s = memo.get(g);
      if (!s) {
        s = this.ancestors(g);
        s.add(g);
        memo.set(g, s);
      }
      return s;
    };
    const ungrouped = this.groups.get('ungrouped')!;
    const leave = new Set<string>();
    for (const h of this.hosts.values()) {
      const mine = new Set<string>();
      for (const g of h.groups) for (const a of closure(g)) mine.add(a);
      if (mine.has('ungrouped')) {
        if ([...mine].some((g) => g !== 'all' && g !== 'ungrouped') && ungrouped.hostSet.has(h.name)) {
          leave.add(h.name);
          ungrouped.hostSet.delete(h.name);
          h.groups.splice(h.groups.indexOf('ungrouped'), 1);
        }
      } else if (mine.size === 0 || (mine.size === 1 && mine.has('all'))) {
        this.addHostToGroup(ungrouped, h);
      }
    }
    // one pass instead of a splice per host: thousands of hosts may leave `ungrouped`
    if (leave.size) ungrouped.hosts = ungrouped.hosts.filter((n) => !leave.has(n));
    for (const name of this.groups.keys()) {
      if (this.hosts.has(name)) this.warnings.push(`Found both group and host with same name: ${name}`);
    }
  }
}

/** Group.set_variable: `int(value)`; Python's int() takes ints, bools, floats (truncated) and digit strings. */
function pyIntPriority(value: unknown, group: string): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?[0-9]+(?:_[0-9]+)*\s*$/.test(value)) return parseInt(value.replace(/_/g, ''), 10);
  throw new InventoryError(`ansible_group_priority of group '${group}' must be an integer, got ${JSON.stringify(value)}`);
}
