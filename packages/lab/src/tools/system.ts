/** systemctl, rpm -q, dnf (install, remove, upgrade, list --upgrades), uname and hostname on a RHEL-like lab host. */
import type { NicHostState, ToolResult } from '../model/types';
import { done, fail } from '../model/types';
import { ovsRestart, ovsStart, ovsStop } from '../model/ovs';
import { takeFlag, takeOption, type NicTool, type ToolContext } from './context';
import { bootOf, kernelImage, rebootNow, updateNextArgs } from '../model/boot';

/** RPMs the lab knows, with the version a RHEL 9.5 host would have. */
export const PACKAGES: Record<string, string> = {
  mstflint: '4.28.0-1.el9',
  openvswitch: '2.17.9-1.el9',
  libvirt: '10.5.0-7.el9_5',
  lshw: 'B.02.20-4.el9',
  pciutils: '3.7.0-5.el9',
  iproute: '6.2.0-6.el9_4',
};

const nevra = (host: NicHostState, p: string) => `${p}-${PACKAGES[p]}.${host.arch}`;

/** rpm's --queryformat for the tags the lab knows; an epoch conditional takes its no-epoch branch (lab packages have none). */
function queryFormat(fmt: string, host: NicHostState, p: string): string {
  const v = PACKAGES[p]!;
  const dash = v.lastIndexOf('-');
  const tags: Record<string, string> = { NAME: p, VERSION: v.slice(0, dash), RELEASE: v.slice(dash + 1), ARCH: host.arch, EPOCH: '(none)' };
  return fmt
    .replace(/%\|EPOCH\?\{(?:%\{EPOCH\}|[^}])*\}:\{([^}]*)\}\|/g, '$1')
    .replace(/%\{([A-Z]+)\}/g, (m, t: string) => tags[t] ?? m)
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n');
}

export const rpm: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  const qf = takeOption(argv, ['--qf', '--queryformat']);
  const args = argv.filter((a) => !a.startsWith('-'));
  if (!argv.some((a) => a === '-q' || a === '--query' || /^-q[a-z]*$/.test(a))) return fail('rpm: only `rpm -q` is simulated in the marshal lab\n');
  if (args.length === 0) return fail('rpm: no arguments given for query\n');
  let out = '';
  let missing = 0;
  for (const p of args) {
    const name = p.replace(/-\d.*$/, '');
    if (host.packages[name] && PACKAGES[name]) out += qf === undefined ? `${nevra(host, name)}\n` : queryFormat(qf, host, name);
    else {
      out += `package ${p} is not installed\n`;
      missing++;
    }
  }
  return { kind: 'done', stdout: out, stderr: '', code: missing };
};

const HEAD = 'Last metadata expiration check: 0:12:04 ago.\n';

/** dnf's transaction table for `verb` (Installing / Removing) and the packages in it. */
function table(host: NicHostState, verb: string, names: string[]): string {
  const rule = '='.repeat(80);
  return (
    `Dependencies resolved.\n${rule}\n Package              Architecture   Version                Repository     Size\n${rule}\n${verb}:\n` +
    names.map((p) => ` ${p.padEnd(20)} ${host.arch.padEnd(14)} ${PACKAGES[p]!.padEnd(22)} ${verb === 'Removing' ? '@appstream' : 'appstream '}     1.1 M\n`).join('') +
    `\nTransaction Summary\n${rule}\n${verb === 'Removing' ? 'Remove ' : 'Install'}  ${names.length} Package${names.length > 1 ? 's' : ''}\n\n`
  );
}

/** Units a package brings: a freshly installed one is disabled (RHEL's preset), as on a real host. */
const UNITS_OF: Record<string, string[]> = { openvswitch: ['openvswitch'], libvirt: ['libvirtd', 'virtqemud'] };

export const dnf: NicTool = (ctx, host) => {
  const argv = ctx.argv.filter((a) => a !== '-q' && a !== '--quiet');
  const yes = argv.some((a) => a === '-y' || a === '--assumeyes');
  const [cmd, ...rest] = argv.filter((a) => !a.startsWith('-'));
  if (cmd === 'makecache') return done(`${HEAD}Metadata cache created.\n`);
  // the lab's repositories hold the installed versions: there is never an upgrade
  if (cmd === 'list' && argv.includes('--upgrades')) return fail('Error: No matching Packages to list\n', 1);
  if (cmd === 'upgrade' || cmd === 'update') return done(`${HEAD}Dependencies resolved.\nNothing to do.\nComplete!\n`);
  const remove = cmd === 'remove' || cmd === 'erase';
  if (cmd !== 'install' && cmd !== 'in' && !remove) return fail(`dnf: only \`dnf install\`, \`remove\`, \`upgrade\`, \`list --upgrades\` and \`makecache\` are simulated in the marshal lab\n`);
  const unknown = rest.filter((p) => !PACKAGES[p]);
  if (unknown.length > 0 && !remove) {
    return fail(`Error: Unable to find a match: ${unknown.join(' ')}\n`, 1, `${HEAD}${unknown.map((u) => `No match for argument: ${u}\n`).join('')}`);
  }
  const todo = rest.filter((p) => PACKAGES[p] && (remove ? host.packages[p] : !host.packages[p]));
  const skipped = remove
    ? rest.filter((p) => !todo.includes(p)).map((p) => `No match for argument: ${p}\n`).join('') + (todo.length === 0 ? 'No packages marked for removal.\n' : '')
    : rest.filter((p) => host.packages[p]).map((p) => `Package ${nevra(host, p)} is already installed.\n`).join('');
  if (todo.length === 0) return done(`${HEAD}${skipped}Dependencies resolved.\nNothing to do.\nComplete!\n`);
  const plan = table(host, remove ? 'Removing' : 'Installing', todo);
  if (!yes && ctx.answer === undefined) return { kind: 'ask', prompt: `${HEAD}${skipped}${plan}Is this ok [y/N]: ` };
  if (!yes && !/^y(es)?$/i.test(ctx.answer!.trim())) return fail('', 1, 'Operation aborted.\n');
  for (const p of todo) {
    host.packages[p] = !remove;
    for (const u of UNITS_OF[p] ?? []) (host.units ??= {})[u] = remove ? {} : { enabled: false };
    if (remove && p === 'openvswitch') ovsStop(host.ovs);
  }
  ctx.changed();
  const list = todo.map((p) => `  ${nevra(host, p)}\n`).join('');
  return done(`${yes ? HEAD + skipped + plan : ''}Running transaction\n\n${remove ? 'Removed' : 'Installed'}:\n${list}\nComplete!\n`);
};

const UNITS: Record<string, string> = { openvswitch: 'openvswitch', libvirtd: 'libvirt', virtqemud: 'libvirt' };

interface Unit {
  name: string;
  unit: string;
  installed: boolean;
  active: boolean;
  enabled: boolean;
}

function unitOf(host: NicHostState, u: string): Unit {
  const name = u.replace(/\.service$/, '');
  const pkg = UNITS[name];
  const installed = pkg !== undefined && !!host.packages[pkg];
  const state = host.units?.[name] ?? {};
  const active = name === 'openvswitch' ? host.ovs.running : installed && (state.active ?? true);
  return { name, unit: `${name}.service`, installed, active, enabled: installed && (state.enabled ?? true) };
}

/** `systemctl show`: the asked properties (all the lab knows without --property) as Key=value lines. */
function show(argv: string[], u: Unit): string {
  const props: Record<string, string> = {
    Id: u.unit,
    LoadState: u.installed ? 'loaded' : 'not-found',
    ActiveState: u.active ? 'active' : 'inactive',
    SubState: u.active ? (u.name === 'openvswitch' ? 'exited' : 'running') : 'dead',
    UnitFileState: u.installed ? (u.enabled ? 'enabled' : 'disabled') : '',
    NeedDaemonReload: 'no',
  };
  const asked = argv.flatMap((a, i) => (a.startsWith('--property=') ? a.slice(11).split(',') : (a === '-p' || a === '--property') && argv[i + 1] ? argv[i + 1]!.split(',') : []));
  return Object.entries(props)
    .filter(([k]) => asked.length === 0 || asked.includes(k))
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

export const systemctl: NicTool = (ctx, host) => {
  const args = ctx.argv.filter((a, i) => !a.startsWith('-') && ctx.argv[i - 1] !== '-p');
  const quiet = ctx.argv.includes('-q') || ctx.argv.includes('--quiet');
  const now = ctx.argv.includes('--now');
  const [cmd, ...units] = args;
  if (cmd === undefined) return fail('systemctl: only unit commands are simulated in the marshal lab\n');
  if (cmd === 'reboot') return systemctlReboot(ctx, host);
  if (cmd === 'daemon-reload') return done();
  let code = 0;
  let out = '';
  let err = '';
  for (const name of units) {
    const u = unitOf(host, name);
    if (cmd === 'show') {
      out += show(ctx.argv, u);
      continue;
    }
    if (cmd === 'is-active') {
      if (!u.active) code = 3;
      if (!quiet) out += u.active ? 'active\n' : 'inactive\n';
      continue;
    }
    if (cmd === 'is-enabled') {
      if (!u.installed) return fail(`Failed to get unit file state for ${u.unit}: No such file or directory\n`, 1);
      if (!u.enabled) code = 1;
      if (!quiet) out += u.enabled ? 'enabled\n' : 'disabled\n';
      continue;
    }
    if (!u.installed) return missingUnit(cmd, u.unit);
    if (cmd === 'status') {
      out += `● ${u.unit} - ${u.name === 'openvswitch' ? 'Open vSwitch' : 'libvirt'}\n     Loaded: loaded (/usr/lib/systemd/system/${u.unit}; ${u.enabled ? 'enabled' : 'disabled'}; preset: disabled)\n     Active: ${u.active ? 'active (exited)' : 'inactive (dead)'}\n`;
      if (!u.active) code = 3;
      continue;
    }
    const r = u.name === 'openvswitch' ? ovsUnit(host, cmd, now) : otherUnit(host, u.name, cmd, now);
    if (cmd === 'enable' || cmd === 'disable') ((host.units ??= {})[u.name] ??= {}).enabled = cmd === 'enable';
    ctx.changed();
    if (r) err += r;
  }
  if (err) return fail(err, 1, out);
  return { kind: 'done', stdout: out, stderr: '', code } satisfies ToolResult;
};

function missingUnit(cmd: string, unit: string): ToolResult {
  if (cmd === 'status') return fail(`Unit ${unit} could not be found.\n`, 4);
  if (cmd === 'enable' || cmd === 'disable') return fail(`Failed to ${cmd} unit: Unit file ${unit} does not exist.\n`, 1);
  return fail(`Failed to ${cmd} ${unit}: Unit ${unit} not found.\n`, 5);
}

/** libvirtd, virtqemud: only their running state (nothing else in the lab depends on it). */
function otherUnit(host: NicHostState, name: string, cmd: string, now: boolean): string | null {
  const set = (active: boolean) => void (((host.units ??= {})[name] ??= {}).active = active);
  if (['start', 'restart', 'reload', 'reload-or-restart', 'force-reload'].includes(cmd) || (cmd === 'enable' && now)) set(true);
  else if (cmd === 'stop' || (cmd === 'disable' && now)) set(false);
  else if (!['try-restart', 'enable', 'disable'].includes(cmd)) return `Unknown command verb ${cmd}.\n`;
  return null;
}

function ovsUnit(host: NicHostState, cmd: string, now: boolean): string | null {
  const changed = () => null;
  switch (cmd) {
    case 'start':
      ovsStart(host.ovs);
      return changed();
    case 'stop':
      ovsStop(host.ovs);
      return changed();
    case 'restart':
    case 'reload':
    case 'reload-or-restart':
    case 'force-reload':
      ovsRestart(host.ovs);
      return changed();
    case 'try-restart':
      if (host.ovs.running) ovsRestart(host.ovs);
      return changed();
    case 'enable':
      if (now) ovsStart(host.ovs);
      return changed();
    case 'disable':
      if (now) ovsStop(host.ovs);
      return null;
    default:
      return `Unknown command verb ${cmd}.\n`;
  }
}

export const uname: NicTool = (ctx, host) => {
  const f = ctx.argv.join('');
  const parts: string[] = [];
  const all = f.includes('a');
  if (all || f.includes('s') || f === '') parts.push('Linux');
  if (all || f.includes('n')) parts.push(host.hostname);
  if (all || f.includes('r')) parts.push(host.kernel);
  if (all || f.includes('v')) parts.push('#1 SMP PREEMPT_DYNAMIC Fri Oct 25 10:18:28 EDT 2024');
  if (all || f.includes('m')) parts.push(host.arch);
  if (all || f.includes('p')) parts.push(host.arch);
  if (all || f.includes('i')) parts.push(host.arch);
  if (all || f.includes('o')) parts.push('GNU/Linux');
  return done(parts.join(' ') + '\n');
};

export const hostname: NicTool = (ctx, host) => {
  if (ctx.argv.includes('-s')) return done(host.hostname.split('.')[0] + '\n');
  return done(host.hostname + '\n');
};

// ---- boots: reboot, shutdown -r, systemctl reboot, grubby ------------------------------------------

/** Starts a reboot: the daemon answers first, then takes the host down (its SSH sessions drop) and boots it. */
function startReboot(ctx: ToolContext, host: NicHostState, how: string): ToolResult {
  ctx.world.event?.(host.name, 'reboot', how);
  if (ctx.world.reboot) ctx.world.reboot(host.name);
  else rebootNow(host, ctx.world.now());
  ctx.changed();
  return done();
}

export const reboot: NicTool = (ctx, host) => {
  if (ctx.argv.some((a) => a === '-p' || a === '--poweroff' || a === '--halt')) return fail('reboot: the marshal lab simulates reboots only (no poweroff or halt)\n');
  return startReboot(ctx, host, ['reboot', ...ctx.argv].join(' '));
};

export const shutdown: NicTool = (ctx, host) => {
  if (!ctx.argv.some((a) => a === '-r' || a === '--reboot')) return fail('shutdown: the marshal lab simulates `shutdown -r` only (no poweroff or halt)\n');
  return startReboot(ctx, host, ['shutdown', ...ctx.argv].join(' '));
};

/** `systemctl reboot [--message=...]` (the unit verbs are in systemctl above). */
export function systemctlReboot(ctx: ToolContext, host: NicHostState): ToolResult {
  return startReboot(ctx, host, 'systemctl reboot');
}

/** `--name=value` or `--name value`, removed from argv. */
function grubbyOption(argv: string[], name: string): string | undefined {
  return takeOption(argv, [name]);
}

export function grubbyInfo(host: NicHostState, index = 0): string {
  return [
    `index=${index}`,
    `kernel="${kernelImage(host)}"`,
    `args="${bootOf(host).nextArgs.join(' ')}"`,
    'root="/dev/mapper/rhel-root"',
    `initrd="/boot/initramfs-${host.kernel}.img"`,
    `title="Red Hat Enterprise Linux (${host.kernel}) 9.5 (Plow)"`,
    `id="ffffffffffffffffffffffffffffffff-${host.kernel}"`,
  ].join('\n') + '\n';
}

/** grubby as RHEL 9 ships it (BLS entries): one kernel entry; --info, --update-kernel with --args/--remove-args, --default-kernel. */
export const grubby: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  const known = (k: string | undefined) => k === 'ALL' || k === 'DEFAULT' || k === kernelImage(host);
  if (takeFlag(argv, ['--default-kernel'])) return done(`${kernelImage(host)}\n`);
  if (takeFlag(argv, ['--default-index'])) return done('0\n');
  const info = grubbyOption(argv, '--info');
  if (info !== undefined) return known(info) ? done(grubbyInfo(host)) : fail(`The param ${info} is incorrect\n`);
  const target = grubbyOption(argv, '--update-kernel');
  const add = grubbyOption(argv, '--args');
  const remove = grubbyOption(argv, '--remove-args');
  if (target === undefined) return fail('grubby: the marshal lab simulates --info, --update-kernel (with --args/--remove-args) and --default-kernel\n', 1);
  if (!known(target)) return fail(`The param ${target} is incorrect\n`);
  if (argv.length > 0) return fail(`grubby: bad argument ${argv[0]}: unknown option\n`, 1);
  const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
  updateNextArgs(host, words(add), words(remove));
  ctx.world.event?.(host.name, 'kernel-args', `${add ? `+${add}` : ''}${remove ? ` -${remove}` : ''}`.trim());
  ctx.changed();
  return done();
};
