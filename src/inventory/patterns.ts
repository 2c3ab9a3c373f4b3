/**
 * Ansible host patterns (inventory/manager.py): `all`, globs, `~regex`, `a:b`/`a,b` unions, `&`
 * intersections, `!` exclusions, `group[0]`/`group[1:3]` subscripts. Results keep Ansible's order.
 * Where Ansible only warns about a name that matches nothing, Marshal refuses it.
 */
import { resolve } from 'node:path';
import { InventoryError } from '../errors';
import { compileGlob } from '../util/glob';
import { readLimited } from '../util/read-limited';
import { AddressError, parseAddress } from './address';
import type { Inventory } from './types';

const PATTERN_WITH_SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;
const SPLIT_COLONS = /(?:[^\s:[\]]|\[[^\]]*\])+/g;

/** split_host_pattern: commas always separate; colons only when the whole is not one address. */
export function splitHostPattern(pattern: string | string[]): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(splitHostPattern);
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else {
    try {
      parseAddress(pattern, true);
      parts = [pattern];
    } catch (e) {
      if (!(e instanceof AddressError)) throw e;
      parts = pattern.match(SPLIT_COLONS) ?? [];
    }
  }
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** `~regex` uses Python's re.match: anchored at the start only. */
function matcher(pattern: string): (s: string) => boolean {
  if (pattern[0] !== '~') return compileGlob(pattern);
  let re: RegExp;
  try {
    re = new RegExp(pattern.slice(1).replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), 'y');
  } catch (e) {
    throw new InventoryError(`Invalid host list pattern: ${pattern} (${(e as Error).message})`);
  }
  return (s) => {
    re.lastIndex = 0;
    return re.test(s);
  };
}

class Selector {
  private readonly groupHostsCache = new Map<string, string[]>();
  constructor(private readonly inv: Inventory, private readonly context: string) {}

  /** Group.get_hosts: own hosts, then descendants' breadth first, each host once. */
  groupHosts(name: string): string[] {
    let hosts = this.groupHostsCache.get(name);
    if (hosts) return hosts;
    const order = [name];
    const seenGroups = new Set(order);
    for (let level = [name]; level.length; ) {
      const next: string[] = [];
      for (const g of level) {
        for (const c of this.inv.groups.get(g)!.children) {
          if (!seenGroups.has(c)) {
            seenGroups.add(c);
            order.push(c);
            next.push(c);
          }
        }
      }
      level = next;
    }
    const seen = new Set<string>();
    hosts = [];
    for (const g of order) {
      for (const h of this.inv.groups.get(g)!.hosts) {
        if (!seen.has(h)) {
          seen.add(h);
          hosts.push(h);
        }
      }
    }
    this.groupHostsCache.set(name, hosts);
    return hosts;
  }

  private enumerate(pattern: string): string[] {
    const match = matcher(pattern);
    const results: string[] = [];
    const groups = [...this.inv.groups.keys()].filter(match);
    for (const g of groups) results.push(...this.groupHosts(g));
    if (!groups.length || pattern[0] === '~' || /[.?*[]/.test(pattern)) {
      for (const h of this.inv.hosts.keys()) if (match(h)) results.push(h);
    }
    if (!results.length && !groups.length && pattern !== 'all') {
      throw new InventoryError(`${this.context}: no host or group matches '${pattern}'`);
    }
    return results;
  }

  matchOne(pattern: string): string[] {
    if (pattern[0] === '&' || pattern[0] === '!') pattern = pattern.slice(1);
    let expr = pattern;
    let sub: [number, number | undefined] | undefined;
    const m = pattern[0] === '~' ? null : PATTERN_WITH_SUBSCRIPT.exec(pattern);
    if (m) {
      expr = m[1]!;
      sub = m[2] !== undefined ? [parseInt(m[2], 10), undefined] : [parseInt(m[3]!, 10), m[5] ? parseInt(m[5], 10) : -1];
    }
    const hosts = this.enumerate(expr);
    if (!hosts.length || !sub) return hosts;
    const [start, end] = sub;
    if (end) return pySlice(hosts, start, end === -1 ? hosts.length : end + 1);
    const idx = start < 0 ? hosts.length + start : start;
    const one = hosts[idx];
    if (one === undefined || idx < 0) throw new InventoryError(`${this.context}: no hosts matched the subscripted pattern '${pattern}'`);
    return [one];
  }

  evaluate(patterns: string[]): string[] {
    const regular = patterns.filter((p) => p[0] !== '!' && p[0] !== '&');
    const ordered = [...(regular.length ? regular : ['all']), ...patterns.filter((p) => p[0] === '&'), ...patterns.filter((p) => p[0] === '!')];
    let hosts: string[] = [];
    for (const p of ordered) {
      if (this.inv.hosts.has(p)) {
        hosts.push(p);
        continue;
      }
      const that = this.matchOne(p);
      if (p[0] === '!') {
        const drop = new Set(that);
        hosts = hosts.filter((h) => !drop.has(h));
      } else if (p[0] === '&') {
        const keep = new Set(that);
        hosts = hosts.filter((h) => keep.has(h));
      } else {
        const existing = new Set(hosts);
        for (const h of that) if (!existing.has(h)) hosts.push(h);
      }
    }
    return [...new Set(hosts)];
  }
}

function pySlice<T>(items: T[], start: number, end: number): T[] {
  const norm = (i: number): number => (i < 0 ? Math.max(0, items.length + i) : Math.min(i, items.length));
  return items.slice(norm(start), norm(end));
}

/** The hosts an Ansible host pattern selects, in Ansible's order. */
export function selectHosts(inv: Inventory, pattern: string | string[], opts: { context?: string } = {}): string[] {
  return new Selector(inv, opts.context ?? 'host pattern').evaluate(splitHostPattern(pattern));
}

/**
 * `--limit`: keeps the `hosts` (in their order) that the limit pattern selects. `@file` items read
 * one pattern per line from that file (relative to `cwd`), as Ansible does. An empty limit keeps everything.
 */
export function applyLimit(inv: Inventory, hosts: string[], limitPattern: string | undefined, opts: { cwd?: string } = {}): string[] {
  if (limitPattern === undefined || limitPattern.trim() === '') return [...hosts];
  const items: string[] = [];
  for (const x of splitHostPattern(limitPattern)) {
    if (x[0] !== '@') {
      items.push(x);
      continue;
    }
    const text = readLimited(resolve(opts.cwd ?? process.cwd(), x.slice(1)), { what: '--limit @file' });
    items.push(...text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean));
  }
  if (!items.length) throw new InventoryError(`--limit: '${limitPattern}' names no hosts`);
  const keep = new Set(new Selector(inv, '--limit').evaluate(items));
  return hosts.filter((h) => keep.has(h));
}
