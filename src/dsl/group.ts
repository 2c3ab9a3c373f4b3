/** Groupings of hosts for across-steps and batchBy. */
import type { GroupKey, Vars } from './types';

/** Groups hosts by the value of one var; a host without it has no group. */
export function byVar(name: string): GroupKey {
  const key = (host: { readonly vars: Readonly<Vars> }): string | undefined => {
    const v = host.vars[name];
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  return Object.assign(key, { label: name });
}

/** How a grouping is named in listings and errors: its label, else "groups". */
export function groupLabel(g: 'all' | GroupKey): string {
  return g === 'all' ? 'all' : (g.label ?? 'groups');
}
