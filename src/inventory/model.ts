/**
 * Turns the built inventory plus group_vars/host_vars into the Inventory model, computing each host's
 * vars in Ansible's order (VARIABLE_PRECEDENCE defaults): all inline < groups inline < all files <
 * groups files < host inline < host files, groups sorted by (depth, priority, name).
 */
import { assignVars, type InventoryBuilder } from './builder';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types';
import type { VarsDirFiles } from './vars-files';

export function buildModel(b: InventoryBuilder, varsDirs: VarsDirFiles[], sources: string[]): Inventory {
  const depth = new Map<string, number>([['all', 0]]);
  const depthOf = (name: string): number => {
    let d = depth.get(name);
    if (d === undefined) {
      d = 0;
      for (const p of b.groups.get(name)!.parents) d = Math.max(d, depthOf(p) + 1);
      depth.set(name, d);
    }
    return d;
  };

  const groups = new Map<string, InventoryGroup>();
  for (const g of b.groups.values()) {
    const fileVars: Vars = {};
    for (const vd of varsDirs) assignVars(fileVars, vd.groups.get(g.name));
    groups.set(g.name, {
      name: g.name,
      hosts: [...g.hosts],
      children: [...g.children],
      vars: assignVars(assignVars({}, g.vars), fileVars),
      parents: [...g.parents],
      depth: depthOf(g.name),
      priority: g.priority,
      inlineVars: g.vars,
      fileVars,
    });
  }

  const order = (a: string, c: string): number => {
    const ga = groups.get(a)!;
    const gc = groups.get(c)!;
    return ga.depth! - gc.depth! || ga.priority! - gc.priority! || (a < c ? -1 : a > c ? 1 : 0);
  };
  const closures = new Map<string, string[]>();
  const closure = (g: string): string[] => {
    let c = closures.get(g);
    if (!c) {
      c = [g, ...b.ancestors(g)];
      closures.set(g, c);
    }
    return c;
  };

  const all = b.groups.get('all')!;
  const hosts = new Map<string, InventoryHost>();
  for (const h of b.hosts.values()) {
    const mine = new Set<string>();
    for (const g of h.groups) for (const a of closure(g)) mine.add(a);
    mine.delete('all');
    const sorted = [...mine].sort(order);
    const vars: Vars = assignVars({}, all.vars);
    for (const g of sorted) assignVars(vars, b.groups.get(g)!.vars);
    for (const vd of varsDirs) assignVars(vars, vd.groups.get('all'));
    for (const vd of varsDirs) for (const g of sorted) assignVars(vars, vd.groups.get(g));
    assignVars(vars, h.vars);
    const fileVars: Vars = {};
    for (const vd of varsDirs) assignVars(fileVars, vd.hosts.get(h.name));
    assignVars(vars, fileVars);
    hosts.set(h.name, { name: h.name, vars, groups: ['all', ...sorted], inlineVars: h.vars, fileVars });
  }
  return { hosts, groups, sources, warnings: [...b.warnings] };
}
