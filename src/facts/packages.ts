/** Installed packages (dpkg or rpm) and systemd service states. */
import { defineFact } from '../dsl/fact';
import { raw, sh } from '../dsl/command';
import { FactParseError } from '../errors';
import { lines, show } from './parse';

export interface PackageVersion {
  readonly version: string;
  readonly arch: string;
}

export interface Packages {
  readonly manager: 'dpkg' | 'rpm';
  /** Installed packages by name; several entries for multiarch or multi-version (kernels). */
  readonly packages: Readonly<Record<string, readonly PackageVersion[]>>;
}

/** Pure: the first line names the manager, then one `name\tversion\tarch[\tstatus]` line per package. */
export function parsePackages(stdout: string): Packages {
  const FACT = 'packages';
  const [head, ...rest] = lines(stdout);
  if (head !== 'dpkg' && head !== 'rpm') throw new FactParseError(FACT, `no package manager found (dpkg-query or rpm): ${show(stdout)}`);
  const packages: Record<string, PackageVersion[]> = {};
  for (const l of rest) {
    const f = l.split('\t');
    if (f.length !== (head === 'dpkg' ? 4 : 3) || !f[0] || !f[1]) throw new FactParseError(FACT, `not a ${head} package line: ${show(l)}`);
    // dpkg's db:Status-Abbrev is want, status, error: status 'i' is installed ('rc' is removed, config kept)
    if (head === 'dpkg' && f[3]![1] !== 'i') continue;
    (packages[f[0]] ??= []).push({ version: f[1], arch: f[2]! });
  }
  return { manager: head, packages };
}

// the format strings are ours (raw: dpkg's ${Package} must reach it unexpanded, hence the single quotes)
const DPKG = "dpkg-query -W -f '${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n'";
const RPM = "rpm -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'";

/** Every installed package with its versions: dpkg-query where present, else rpm. */
export const packages = defineFact({
  name: 'packages',
  command: () => raw(`if command -v dpkg-query >/dev/null 2>&1; then echo dpkg; ${DPKG}; elif command -v rpm >/dev/null 2>&1; then echo rpm; ${RPM}; else echo none; fi`),
  parse: (stdout) => parsePackages(stdout),
});

export interface ServiceState {
  /** loaded, not-found, masked... */
  readonly load: string;
  /** active, inactive, failed, activating... */
  readonly active: string;
  /** running, exited, dead... */
  readonly sub: string;
  readonly description: string;
}

/** Pure: `systemctl list-units --plain --no-legend` lines, `UNIT LOAD ACTIVE SUB DESCRIPTION`. */
export function parseServices(stdout: string): Record<string, ServiceState> {
  const out: Record<string, ServiceState> = {};
  for (const l of lines(stdout)) {
    if (l.trim() === '') continue;
    const m = /^\s*(?:● )?(\S+\.(?:service|socket|target|mount|automount|timer|path|slice|scope|device|swap))\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(l);
    if (!m) throw new FactParseError('services', `not a unit line (UNIT LOAD ACTIVE SUB DESCRIPTION): ${show(l)}`);
    out[m[1]!] = { load: m[2]!, active: m[3]!, sub: m[4]!, description: (m[5] ?? '').trim() };
  }
  return out;
}

/** Every service unit systemd knows, loaded or not, with its state. */
export const services = defineFact({
  name: 'services',
  command: () => sh`systemctl list-units --type=service --all --plain --no-legend --no-pager`,
  parse: (stdout) => parseServices(stdout),
});
