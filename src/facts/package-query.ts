/**
 * The state of some named packages for ops.packages: which package manager the host has (dnf,
 * yum or apt, by the binary found), which of the names are installed, and (for state latest)
 * which have an upgrade available. One read-only command.
 */
import { defineFact } from '../dsl/fact';
import { raw, sh, type Command } from '../dsl/command';
import { FactParseError } from '../errors';
import { lines, show } from './parse';

export type PackageManager = 'dnf' | 'yum' | 'apt';

export interface PackageQuery {
  readonly manager: PackageManager;
  /** The asked-for names that are installed, with their versions (several for multi-version packages). */
  readonly installed: Readonly<Record<string, readonly string[]>>;
  /** Asked-for names with a newer version available (only gathered for state latest): name → that version. */
  readonly upgrades: Readonly<Record<string, string>>;
}

const FACT = 'package.query';
const UPGRADES = '@@upgrades';
// the format strings are ours (raw: rpm's and dpkg's own % and ${} syntax must reach them unexpanded)
const RPM_QF = "'%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'";
const DPKG_F = "'${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n'";
/** dnf first: a RHEL-like host may carry dpkg, a Debian host seldom dnf. */
const DETECT = raw('if command -v dnf >/dev/null 2>&1; then m=dnf; elif command -v yum >/dev/null 2>&1; then m=yum; elif command -v apt-get >/dev/null 2>&1; then m=apt; else echo none; exit 0; fi');

/** The query command: the manager's name, the installed names, then (latest) the available upgrades. */
export function packageQueryCommand(names: readonly string[], latest = false, manager?: PackageManager): Command {
  const detect = manager ? sh`m=${manager}` : DETECT;
  const rpm = sh`rpm -q --qf ${raw(RPM_QF)} ${names} | grep -v ' is not installed$' || true`;
  const dpkg = sh`dpkg-query -W -f ${raw(DPKG_F)} ${names} 2>/dev/null || true`;
  const up = latest ? sh`; echo ${UPGRADES}; if [ $m = apt ]; then apt-cache policy ${names}; else $m -q list --upgrades ${names} 2>/dev/null || true; fi` : raw('');
  return sh`${detect}; echo $m; if [ $m = apt ]; then ${dpkg}; else ${rpm}; fi${up}`;
}

/** Pure: `dnf list --upgrades` lines (`name.arch  version  repo`) → name → version; headers are skipped. */
export function parseDnfUpgrades(out: readonly string[]): Record<string, string> {
  const up: Record<string, string> = {};
  for (const l of out) {
    const m = /^(\S+)\.([A-Za-z0-9_]+)\s+(\S+)\s+\S+\s*$/.exec(l);
    if (m) up[m[1]!] = m[3]!;
  }
  return up;
}

/** Pure: `apt-cache policy` blocks (`name:` then `Installed:` / `Candidate:`) → names whose candidate is newer. */
export function parseAptPolicy(out: readonly string[]): Record<string, string> {
  const up: Record<string, string> = {};
  let name: string | undefined;
  let installed: string | undefined;
  for (const l of out) {
    const head = /^(\S+):$/.exec(l);
    if (head) [name, installed] = [head[1], undefined];
    const f = /^\s+(Installed|Candidate): (\S+)$/.exec(l);
    if (!f || name === undefined) continue;
    if (f[1] === 'Installed') installed = f[2];
    else if (installed !== undefined && installed !== '(none)' && f[2] !== '(none)' && f[2] !== installed) up[name] = f[2]!;
  }
  return up;
}

/** Pure: the output of packageQueryCommand. */
export function parsePackageQuery(stdout: string): PackageQuery {
  const all = lines(stdout);
  const manager = all[0];
  if (manager === 'none') throw new FactParseError(FACT, 'no package manager found (dnf, yum or apt-get)');
  if (manager !== 'dnf' && manager !== 'yum' && manager !== 'apt') throw new FactParseError(FACT, `not a package manager's name: ${show(manager ?? '')}`);
  const cut = all.indexOf(UPGRADES);
  const rows = all.slice(1, cut < 0 ? undefined : cut);
  const installed: Record<string, string[]> = {};
  for (const l of rows) {
    const f = l.split('\t');
    if (f.length !== (manager === 'apt' ? 4 : 3) || !f[0] || !f[1]) throw new FactParseError(FACT, `not a ${manager === 'apt' ? 'dpkg-query' : 'rpm -q'} line: ${show(l)}`);
    // dpkg's db:Status-Abbrev: the second letter is the status, 'i' installed ('c' config files left)
    if (manager === 'apt' && f[3]![1] !== 'i') continue;
    (installed[f[0]] ??= []).push(f[1]);
  }
  const rest = cut < 0 ? [] : all.slice(cut + 1);
  return { manager, installed, upgrades: manager === 'apt' ? parseAptPolicy(rest) : parseDnfUpgrades(rest) };
}

/** Which of `names` are installed (and, with `latest`, upgradable), and the host's package manager. */
export const packageQuery = defineFact({
  name: 'package.query',
  command: (names: readonly string[], latest?: boolean, manager?: PackageManager) => packageQueryCommand(names, latest, manager),
  parse: (stdout) => parsePackageQuery(stdout),
});
