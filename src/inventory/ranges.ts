/**
 * Host ranges as Ansible expands them (expand_hostname_range): `web[01:20]`, `db-[a:f]`,
 * `node[1:10:2]`, several ranges per name. Zero-padded starts keep their width.
 */
import { AddressError, parseAddress } from './address';

/** A host range (`node[01:20]`) that does not parse; not the built-in RangeError. */
export class HostRangeError extends Error {}

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pyInt(s: string, what: string): number {
  if (!/^\s*[+-]?[0-9]+(?:_[0-9]+)*\s*$/.test(s)) throw new HostRangeError(`${what} '${s}' is not a number`);
  return parseInt(s.replace(/_/g, ''), 10);
}

export function hasRange(name: string): boolean {
  return name.includes('[');
}

/** Expands every `[..]` in `line`; throws HostRangeError with Ansible's reason when one doesn't parse. */
/** Upper bound on the hosts one range may expand to. */
export const MAX_RANGE_HOSTS = 100_000;

export function expandHostRange(line: string): string[] {
  if (!line) return [];
  const open = line.indexOf('[');
  const close = line.indexOf(']');
  // Python swaps the first '[' and the first ']' for '|' and expects exactly three parts
  const parts = line.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3 || open < 0 || close < 0) {
    throw new HostRangeError(close < 0 ? `unclosed '[' in host range '${line}'` : `host range '${line}' does not parse`);
  }
  const [head, nrange, tail] = parts as [string, string, string];
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostRangeError('host range must be begin:end or begin:end:step');
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  if (!end) throw new HostRangeError('host range must specify end value');
  const step = bounds.length === 3 ? pyInt(bounds[2]!, 'range step') : 1;
  if (step === 0) throw new HostRangeError('host range step must not be zero');
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new HostRangeError('host range must specify equal-length begin and end formats');
    fill = (x) => zfill(String(x), beg.length);
  }
  let seq: Array<string | number>;
  const iBeg = ASCII_LETTERS.indexOf(beg);
  const iEnd = ASCII_LETTERS.indexOf(end);
  if (iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw new HostRangeError('host range must have begin <= end');
    seq = pySlice(ASCII_LETTERS.slice(iBeg, iEnd + 1).split(''), step);
  } else {
    const b = pyInt(beg, 'range start');
    const e = pyInt(end, 'range end') + 1;
    // a typo such as web[1:100000000] would otherwise build a hundred million names and hang
    const count = step > 0 ? Math.ceil((e - b) / step) : Math.ceil((b - e) / -step);
    if (count > MAX_RANGE_HOSTS) throw new HostRangeError(`host range '${line}' expands to ${count} hosts (more than ${MAX_RANGE_HOSTS}); split the inventory`);
    seq = [];
    if (step > 0) for (let x = b; x < e; x += step) seq.push(x);
    else for (let x = b; x > e; x += step) seq.push(x);
  }
  const out: string[] = [];
  for (const r of seq) {
    const name = head + fill(r) + tail;
    if (hasRange(name)) out.push(...expandHostRange(name));
    else out.push(name);
  }
  return out;
}

function zfill(s: string, width: number): string {
  const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
  const body = sign ? s.slice(1) : s;
  return sign + body.padStart(width - sign.length, '0');
}

function pySlice<T>(items: T[], step: number): T[] {
  if (step > 0) return items.filter((_, i) => i % step === 0);
  return []; // a negative step over [beg:end+1] with beg <= end selects nothing in Python
}

/**
 * BaseInventoryPlugin._expand_hostpattern: an optional `:port`, then ranges. When the pattern is not
 * a valid address Ansible uses it verbatim (and still expands ranges in it).
 */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  let name = pattern;
  let port: number | undefined;
  try {
    const a = parseAddress(pattern, true);
    name = a.host;
    port = a.port;
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
  }
  const hosts = hasRange(name) ? expandHostRange(name) : [name];
  return port === undefined ? { hosts } : { hosts, port };
}
