/**
 * The standard host facts (pyinfra's facts/server.py, Ansible's setup): one read-only command
 * each, parsed by a pure function tested on verbatim outputs under test/facts/.
 */
import { defineFact } from '../dsl/fact';
import { sh } from '../dsl/command';
import { FactParseError } from '../errors';
import { count, lines, show, singleLine } from './parse';

// ---- os-release ---------------------------------------------------------------------------------

export interface OsRelease {
  /** ID: `debian`, `rhel`, `ubuntu`... */
  readonly id: string;
  /** ID_LIKE split on spaces (`['rhel', 'fedora']`), [] when absent. */
  readonly idLike: readonly string[];
  readonly versionId?: string;
  readonly name?: string;
  readonly prettyName?: string;
  readonly versionCodename?: string;
  /** Every field as written, unquoted. */
  readonly fields: Readonly<Record<string, string>>;
}

/** Unquotes one os-release value: "..." with backslash escapes, '...', or a bare word. */
function unquote(fact: string, v: string, n: number): string {
  if (v.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"$/.exec(v);
    if (!m) throw new FactParseError(fact, `line ${n}: unterminated double quote: ${show(v)}`);
    return m[1]!.replace(/\\(.)/g, '$1');
  }
  if (v.startsWith("'")) {
    const m = /^'([^']*)'$/.exec(v);
    if (!m) throw new FactParseError(fact, `line ${n}: unterminated single quote: ${show(v)}`);
    return m[1]!;
  }
  return v;
}

export function parseOsRelease(stdout: string): OsRelease {
  const FACT = 'os.release';
  const fields: Record<string, string> = {};
  lines(stdout).forEach((l, i) => {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(t);
    if (!m) throw new FactParseError(FACT, `line ${i + 1} is not KEY=value: ${show(t)}`);
    fields[m[1]!] = unquote(FACT, m[2]!, i + 1);
  });
  if (Object.keys(fields).length === 0) throw new FactParseError(FACT, 'empty os-release');
  const opt = (k: string) => (fields[k] !== undefined ? fields[k] : undefined);
  const out: OsRelease = {
    id: fields.ID ?? 'linux', // os-release(5): ID defaults to "linux"
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    fields,
    ...(opt('VERSION_ID') !== undefined ? { versionId: opt('VERSION_ID')! } : {}),
    ...(opt('NAME') !== undefined ? { name: opt('NAME')! } : {}),
    ...(opt('PRETTY_NAME') !== undefined ? { prettyName: opt('PRETTY_NAME')! } : {}),
    ...(opt('VERSION_CODENAME') !== undefined ? { versionCodename: opt('VERSION_CODENAME')! } : {}),
  };
  return out;
}

/** /etc/os-release (or /usr/lib/os-release, its fallback in os-release(5)). */
export const osRelease = defineFact({
  name: 'os.release',
  command: () => sh`cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release`,
  parse: (stdout) => parseOsRelease(stdout),
});

// ---- uname, boot id, cmdline, CPUs ----------------------------------------------------------------

/** The machine hardware name (`uname -m`): x86_64, aarch64... */
export const arch = defineFact({
  name: 'system.arch',
  command: () => sh`uname -m`,
  parse: (stdout): string => {
    const a = singleLine('system.arch', stdout);
    if (!/^[A-Za-z0-9_]+$/.test(a)) throw new FactParseError('system.arch', `not a machine name: ${show(a)}`);
    return a;
  },
});

/** The kernel release (`uname -r`): 5.14.0-427.13.1.el9_4.x86_64... */
export const kernel = defineFact({
  name: 'system.kernel',
  command: () => sh`uname -r`,
  parse: (stdout): string => {
    const r = singleLine('system.kernel', stdout);
    if (!/^\d+\.\d+\S*$/.test(r)) throw new FactParseError('system.kernel', `not a kernel release: ${show(r)}`);
    return r;
  },
});

/** A UUID that changes at every boot: compare before and after a reboot. */
export const bootId = defineFact({
  name: 'system.boot-id',
  command: () => sh`cat /proc/sys/kernel/random/boot_id`,
  parse: (stdout): string => {
    const id = singleLine('system.boot-id', stdout);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new FactParseError('system.boot-id', `not a UUID: ${show(id)}`);
    return id;
  },
});

export interface KernelCmdline {
  readonly raw: string;
  /** In order; `value` is undefined for a bare flag (`quiet`); quotes are removed. */
  readonly args: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
}

export function parseCmdline(stdout: string): KernelCmdline {
  const text = singleLine('system.cmdline', stdout);
  const args: Array<{ key: string; value?: string }> = [];
  // words split on spaces outside double quotes, as the kernel's next_arg() does
  for (const m of text.matchAll(/(?:[^\s"]+|"[^"]*")+/g)) {
    const word = m[0];
    const eq = word.indexOf('=');
    const unq = (s: string) => s.replace(/"/g, '');
    args.push(eq < 0 ? { key: unq(word) } : { key: unq(word.slice(0, eq)), value: unq(word.slice(eq + 1)) });
  }
  return { raw: text, args };
}

/** The kernel's command line (/proc/cmdline), e.g. to check `intel_iommu=on`. */
export const cmdline = defineFact({
  name: 'system.cmdline',
  command: () => sh`cat /proc/cmdline`,
  parse: (stdout) => parseCmdline(stdout),
});

export interface Cpus {
  /** Processors installed (`nproc --all`). */
  readonly installed: number;
  /** Processors this process may use (`nproc`). */
  readonly available: number;
}

export const cpus = defineFact({
  name: 'system.cpus',
  command: () => sh`nproc --all && nproc`,
  parse: (stdout): Cpus => {
    const l = lines(stdout);
    if (l.length !== 2) throw new FactParseError('system.cpus', `expected two counts, got ${show(stdout)}`);
    return { installed: count('system.cpus', 'nproc --all', l[0]!.trim()), available: count('system.cpus', 'nproc', l[1]!.trim()) };
  },
});

// ---- /proc/meminfo ----------------------------------------------------------------------------------

export interface Memory {
  readonly totalKiB: number;
  readonly freeKiB: number;
  /** MemAvailable (kernels since 3.14); undefined on older ones. */
  readonly availableKiB?: number;
  readonly swapTotalKiB: number;
  readonly swapFreeKiB: number;
  /** Every line: kB values in KiB, counts (HugePages_Total) as they are. */
  readonly fields: Readonly<Record<string, number>>;
}

export function parseMeminfo(stdout: string): Memory {
  const FACT = 'system.memory';
  const fields: Record<string, number> = {};
  for (const l of lines(stdout)) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?: kB)?$/.exec(l.trim());
    if (!m) throw new FactParseError(FACT, `not a meminfo line: ${show(l)}`);
    fields[m[1]!] = Number(m[2]);
  }
  const need = (k: string): number => {
    if (fields[k] === undefined) throw new FactParseError(FACT, `no ${k} line`);
    return fields[k];
  };
  return {
    totalKiB: need('MemTotal'),
    freeKiB: need('MemFree'),
    ...(fields.MemAvailable !== undefined ? { availableKiB: fields.MemAvailable } : {}),
    swapTotalKiB: need('SwapTotal'),
    swapFreeKiB: need('SwapFree'),
    fields,
  };
}

export const memory = defineFact({
  name: 'system.memory',
  command: () => sh`cat /proc/meminfo`,
  parse: (stdout) => parseMeminfo(stdout),
});

// ---- /proc/mounts -----------------------------------------------------------------------------------

export interface Mount {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
  readonly options: readonly string[];
}

// /proc/mounts writes space, tab, newline and backslash as octal escapes (\040)
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMounts(stdout: string): Mount[] {
  return lines(stdout).map((l) => {
    const f = l.split(' ');
    if (f.length !== 6) throw new FactParseError('system.mounts', `expected 6 fields, got ${f.length}: ${show(l)}`);
    return { device: unescapeMount(f[0]!), mountpoint: unescapeMount(f[1]!), fstype: f[2]!, options: f[3]!.split(',') };
  });
}

export const mounts = defineFact({
  name: 'system.mounts',
  command: () => sh`cat /proc/mounts`,
  parse: (stdout) => parseMounts(stdout),
});
