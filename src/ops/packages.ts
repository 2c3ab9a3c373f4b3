/**
 * ops.packages (Ansible's package, pyinfra's server.packages): named packages installed, at their
 * latest version, or removed, with dnf/yum or apt-get (found on the host), all names in one transaction.
 */
import { raw, sh, type Command } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostStep, Vars } from '../dsl/types';
import { packages as packagesFact } from '../facts/packages';
import { packageQuery, type PackageManager, type PackageQuery } from '../facts/package-query';
import { checkKeys, opError, opStep, type OpOptions } from './common';

export interface PackagesOptions<V extends object = Vars> extends OpOptions<V> {
  /** Package names (no versions): one name or a list, handled in one dnf/apt-get command. */
  packages: string | readonly string[];
  /** present (default): installed; latest: installed and upgraded; absent: removed. */
  state?: 'present' | 'latest' | 'absent';
  /** The package manager to use instead of the one found on the host (dnf, else yum, else apt-get). */
  manager?: PackageManager;
  /** Refresh the package lists first (apt-get update / dnf makecache), when something is to be installed. */
  updateCache?: boolean;
}

export interface PackagePlan {
  install: string[];
  upgrade: string[];
  remove: string[];
}

/** Pure: which names to install, upgrade or remove to reach `state`. */
export function packagePlan(q: PackageQuery, names: readonly string[], state: 'present' | 'latest' | 'absent'): PackagePlan {
  const has = (n: string) => (q.installed[n]?.length ?? 0) > 0;
  if (state === 'absent') return { install: [], upgrade: [], remove: names.filter(has) };
  return { install: names.filter((n) => !has(n)), upgrade: state === 'latest' ? names.filter((n) => has(n) && q.upgrades[n] !== undefined) : [], remove: [] };
}

/** Pure: the commands that carry out a plan (one per kind of change; apt-get install also upgrades). */
export function packageCommands(manager: PackageManager, plan: PackagePlan, updateCache = false): Command[] {
  const out: Command[] = [];
  if (manager === 'apt') {
    const apt = (verb: string, names: string[] = []) => sh`env DEBIAN_FRONTEND=noninteractive apt-get -y -q ${raw(verb)}${names.length ? sh` ${names}` : raw('')}`;
    const add = [...plan.install, ...plan.upgrade];
    if (add.length > 0 && updateCache) out.push(apt('update'));
    if (add.length > 0) out.push(apt('install', add));
    if (plan.remove.length > 0) out.push(apt('remove', plan.remove));
    return out;
  }
  // manager is one of three fixed words (checked), the verbs are ours: only the names need quoting
  const m = raw(`${manager} -y -q`);
  if ((plan.install.length > 0 || plan.upgrade.length > 0) && updateCache) out.push(sh`${m} makecache`);
  if (plan.install.length > 0) out.push(sh`${m} install ${plan.install}`);
  if (plan.upgrade.length > 0) out.push(sh`${m} upgrade ${plan.upgrade}`);
  if (plan.remove.length > 0) out.push(sh`${m} remove ${plan.remove}`);
  return out;
}

/** Pure: the plan as notes, e.g. `install lshw, pciutils`. */
export function describePlan(q: PackageQuery, p: PackagePlan): string[] {
  const out: string[] = [];
  if (p.install.length > 0) out.push(`install ${p.install.join(', ')}`);
  if (p.upgrade.length > 0) out.push(`upgrade ${p.upgrade.map((n) => `${n} ${q.installed[n]!.join('/')} → ${q.upgrades[n]!}`).join(', ')}`);
  if (p.remove.length > 0) out.push(`remove ${p.remove.map((n) => `${n} ${q.installed[n]!.join('/')}`).join(', ')}`);
  return out;
}

const empty = (p: PackagePlan): boolean => p.install.length + p.upgrade.length + p.remove.length === 0;

/** Packages installed (present), installed and upgraded (latest) or removed (absent). */
export function packages<V extends object = Vars>(opts: PackagesOptions<V>): HostStep<V> {
  const o = checkKeys('packages()', opts, ['packages', 'state', 'manager', 'updateCache'], ['packages']);
  const list = typeof o.packages === 'string' ? [o.packages] : o.packages;
  if (!Array.isArray(list) || list.length === 0) throw opError('packages()', '`packages` must be a package name or a non-empty list of them');
  for (const n of list) {
    if (typeof n !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9+._-]*$/.test(n)) throw opError('packages()', `not a package name: ${JSON.stringify(n)} (names only, no versions or options)`);
  }
  const names = [...new Set(list as string[])];
  const state = (o.state ?? 'present') as 'present' | 'latest' | 'absent';
  if (!['present', 'latest', 'absent'].includes(state)) throw opError('packages()', `\`state\` must be present, latest or absent, got ${JSON.stringify(o.state)}`);
  if (o.manager !== undefined && !['dnf', 'yum', 'apt'].includes(o.manager as string)) throw opError('packages()', `\`manager\` must be dnf, yum or apt, got ${JSON.stringify(o.manager)}`);
  if (o.updateCache !== undefined && typeof o.updateCache !== 'boolean') throw opError('packages()', '`updateCache` must be true or false');
  const manager = o.manager as PackageManager | undefined;
  const latest = state === 'latest';
  return opStep<V>(o, `packages ${names.join(', ')}${state === 'present' ? '' : ` ${state}`}`, {
    check: async (h) => {
      const q = await h.facts.refresh(packageQuery, names, latest, manager);
      const plan = packagePlan(q, names, state);
      if (h.diffMode) for (const n of describePlan(q, plan)) h.note(`${q.manager}: ${n}`);
      return empty(plan);
    },
    run: async (h) => {
      const q = await h.facts.get(packageQuery, names, latest, manager);
      try {
        for (const cmd of packageCommands(q.manager, packagePlan(q, names, state), o.updateCache === true)) await h.run(cmd);
      } finally {
        h.facts.invalidate(packageQuery);
        h.facts.invalidate(packagesFact);
      }
    },
    verify: async (h) => {
      const q = await h.facts.refresh(packageQuery, names, latest, manager);
      const left = describePlan(q, packagePlan(q, names, state));
      expectThat(left.length === 0, `packages ${names.join(', ')} ${state}`, `still to ${left.join('; ')}`);
    },
  });
}
