/** Kernel parameters (sysctl) read from /proc/sys, for ops.sysctl. */
import { defineFact } from '../dsl/fact';
import { sh } from '../dsl/command';
import { FactParseError } from '../errors';
import { show } from './parse';

/** net.ipv4.ip_forward → net/ipv4/ip_forward (sysctl(8)'s dot form; a slash form stays). */
export const sysctlPath = (root: string, key: string): string => `${root}/${key.includes('/') ? key : key.replace(/\./g, '/')}`;

/** Pure: a /proc/sys file's text with its whitespace (tabs between fields) as single spaces; exit 3: no such key. */
export function parseSysctl(stdout: string, exitCode: number): string | undefined {
  if (exitCode === 3) return undefined;
  // a key that cannot be read (write-only, EPERM) prints nothing: not a value to compare with
  if (stdout === '') throw new FactParseError('sysctl', `no value read: ${show(stdout)}`);
  return stdout.trim().split(/\s+/).join(' ');
}

/** One kernel parameter's current value (`cat /proc/sys/...`, as sysctl -n); undefined when the kernel has no such key. */
export const sysctl = defineFact({
  name: 'sysctl',
  command: (key: string, root?: string) => {
    const p = sysctlPath(root ?? '/proc/sys', key);
    return sh`[ -f ${p} ] || exit 3; cat -- ${p}`;
  },
  parse: (stdout, exitCode) => parseSysctl(stdout, exitCode),
  okExitCodes: [0, 3],
});
