/**
 * Host basics: architecture, installed packages, service state, `ip -br link`, `ping` summaries.
 * Several of these commands answer with a non-zero exit; those exits are listed in okExitCodes.
 */
import { defineFact, sh, FactParseError, facts } from 'marshal';
import { contentLines, lines, show, singleLine } from './text';

// ---- uname -m -----------------------------------------------------------------------------------

/** The standard library's `uname -m` fact (one parser for both). */
export const arch = facts.arch;

/** Intel 64 / AMD64 (`x86_64`) or ARM 64 (`aarch64`): what the procedure supports. */
export function isSupportedArch(machine: string): boolean {
  return machine === 'x86_64' || machine === 'aarch64';
}

// ---- rpm -q --------------------------------------------------------------------------------------

export type RpmQuery = { readonly installed: true; readonly versions: readonly string[] } | { readonly installed: false };

/** `rpm -q pkg`: exit 0 with one NEVRA per installed version; exit 1 with `package X is not installed`. */
export function parseRpmQuery(stdout: string, exitCode: number, stderr = ''): RpmQuery {
  const FACT = 'system.rpm';
  const out = contentLines(stdout).map((l) => l.trim());
  if (exitCode === 0) {
    if (out.length === 0) throw new FactParseError(FACT, 'exit 0 but no package printed');
    const odd = out.find((l) => /\s/.test(l));
    if (odd !== undefined) throw new FactParseError(FACT, `not a package NEVRA: ${show(odd)}`);
    return { installed: true, versions: out };
  }
  const all = [...out, ...contentLines(stderr).map((l) => l.trim())];
  if (exitCode === 1 && all.length > 0 && all.every((l) => /^package \S+ is not installed$/.test(l))) return { installed: false };
  throw new FactParseError(FACT, `exit ${exitCode} without "package ... is not installed": ${show(all.join('\n'))}`);
}

export const rpmPackage = defineFact({
  name: 'system.rpm',
  command: (pkg: string) => sh`rpm -q ${pkg}`,
  parse: (stdout, exitCode, stderr) => parseRpmQuery(stdout, exitCode, stderr),
  okExitCodes: [0, 1],
});

// ---- systemctl is-active ---------------------------------------------------------------------------

export const UNIT_STATES = [
  'active',
  'reloading',
  'inactive',
  'failed',
  'activating',
  'deactivating',
  'maintenance',
  'refreshing',
  'unknown',
] as const;
export type UnitState = (typeof UNIT_STATES)[number];

/** The exit code only says active or not; the word says which. */
export function parseIsActive(stdout: string): UnitState {
  const word = singleLine('system.is-active', stdout);
  if (!(UNIT_STATES as readonly string[]).includes(word)) {
    throw new FactParseError('system.is-active', `unknown unit state: ${show(word)}`);
  }
  return word as UnitState;
}

export const unitState = defineFact({
  name: 'system.is-active',
  command: (unit: string) => sh`systemctl is-active ${unit}`,
  parse: (stdout) => parseIsActive(stdout),
  // 3 = not active; 4 = no such unit (systemd >= 246 still prints a state word).
  okExitCodes: [0, 1, 2, 3, 4],
});

// ---- ip -br link ------------------------------------------------------------------------------------

export interface BriefLink {
  readonly name: string;
  /** `eth0@if5` → link `if5`; a VLAN `vlan10@eth0` → `eth0`. */
  readonly link?: string;
  /** UP, DOWN, UNKNOWN, LOWERLAYERDOWN... */
  readonly state: string;
  readonly mac?: string;
  readonly flags: readonly string[];
}

export function parseIpBriefLink(stdout: string): BriefLink[] {
  const FACT = 'system.ip-link';
  return contentLines(stdout).map((line) => {
    const m = /^(\S+)\s+([A-Z_]+)\s+(?:(\S+)\s+)?<([^>]*)>\s*$/.exec(line.trim());
    if (!m) throw new FactParseError(FACT, `not "<name> <state> [mac] <flags>": ${show(line)}`);
    const [, full, state, mac, flags] = m as unknown as [string, string, string, string | undefined, string];
    const at = full.indexOf('@');
    if (mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(mac)) throw new FactParseError(FACT, `not a link address: ${show(line)}`);
    return {
      name: at < 0 ? full : full.slice(0, at),
      ...(at >= 0 && { link: full.slice(at + 1) }),
      state,
      ...(mac !== undefined && { mac: mac.toLowerCase() }),
      flags: flags === '' ? [] : flags.split(','),
    };
  });
}

export const links = defineFact({
  name: 'system.ip-link',
  command: () => sh`ip -br link`,
  parse: (stdout) => parseIpBriefLink(stdout),
});

// ---- ping -------------------------------------------------------------------------------------------

export interface PingSummary {
  readonly transmitted: number;
  readonly received: number;
  readonly lossPercent: number;
  readonly errors?: number;
  readonly duplicates?: number;
  /** min/avg/max/mdev in ms, when any reply came back. */
  readonly rtt?: { readonly min: number; readonly avg: number; readonly max: number; readonly mdev: number };
}

/** iputils ping's summary: `3 packets transmitted, 3 received, 0% packet loss, time 2003ms`. */
export function parsePing(stdout: string): PingSummary {
  const FACT = 'system.ping';
  let summary: PingSummary | undefined;
  for (const line of lines(stdout)) {
    const s = /^(\d+) packets transmitted, (\d+) (?:packets )?received,(?: \+(\d+) duplicates,)?(?: \+(\d+) errors,)? (\d+(?:\.\d+)?)% packet loss/.exec(line.trim());
    if (s) {
      summary = {
        transmitted: Number(s[1]),
        received: Number(s[2]),
        ...(s[3] !== undefined && { duplicates: Number(s[3]) }),
        ...(s[4] !== undefined && { errors: Number(s[4]) }),
        lossPercent: Number(s[5]),
      };
      continue;
    }
    const r = /^(?:rtt|round-trip) min\/avg\/max\/(?:mdev|stddev) = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms$/.exec(line.trim());
    if (r) {
      if (!summary) throw new FactParseError(FACT, `rtt line before the packet summary: ${show(line)}`);
      summary = { ...summary, rtt: { min: Number(r[1]), avg: Number(r[2]), max: Number(r[3]), mdev: Number(r[4]) } };
    }
  }
  if (!summary) {
    const last = contentLines(stdout).pop();
    throw new FactParseError(FACT, last === undefined ? 'empty output' : `no "packets transmitted" summary; last line: ${show(last)}`);
  }
  return summary;
}

export const ping = defineFact({
  name: 'system.ping',
  command: (target: string, opts: { iface?: string; count?: number; timeoutSeconds?: number } = {}) => {
    const count = opts.count ?? 3;
    const wait = opts.timeoutSeconds ?? 2;
    return opts.iface === undefined
      ? sh`ping -c ${count} -W ${wait} ${target}`
      : sh`ping -c ${count} -W ${wait} -I ${opts.iface} ${target}`;
  },
  parse: (stdout) => parsePing(stdout),
  // ping exits 1 when replies are missing: the summary is still the answer.
  okExitCodes: [0, 1],
});
