/** systemctl, rpm -q, dnf install, uname and hostname on a RHEL-like lab host. */
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

export const rpm: NicTool = (ctx, host) => {
  const args = ctx.argv.filter((a) => !a.startsWith('-'));
  if (!ctx.argv.some((a) => a === '-q' || a === '--query' || /^-q[a-z]*$/.test(a))) return fail('rpm: only `rpm -q` is simulated in the marshal lab\n');
  if (args.length === 0) return fail('rpm: no arguments given for query\n');
  let out = '';
  let missing = 0;
  for (const p of args) {
    const name = p.replace(/-\d.*$/, '');
    if (host.packages[name] && PACKAGES[name]) out += `${nevra(host, name)}\n`;
    else {
      out += `package ${p} is not installed\n`;
      missing++;
    }
  }
  return { kind: 'done', stdout: out, stderr: '', code: missing };
};

export const dnf: NicTool = (ctx, host) => {
  const argv = ctx.argv.filter((a) => a !== '-q' && a !== '--quiet');
  const yes = argv.some((a) => a === '-y' || a === '--assumeyes');
  const [cmd, ...rest] = argv.filter((a) => !a.startsWith('-'));
  if (cmd !== 'install' && cmd !== 'in') return fail(`dnf: only \`dnf install\` is simulated in the marshal lab\n`);
  const unknown = rest.filter((p) => !PACKAGES[p]);
  if (unknown.length > 0) {
    return fail(`Error: Unable to find a match: ${unknown.join(' ')}\n`, 1, `Last metadata expiration check: 0:12:04 ago.\n${unknown.map((u) => `No match for argument: ${u}\n`).join('')}`);
  }
  const todo = rest.filter((p) => !host.packages[p]);
  const head = 'Last metadata expiration check: 0:12:04 ago.\n';
  const already = rest.filter((p) => host.packages[p]).map((p) => `Package ${nevra(host, p)} is already installed.\n`).join('');
  if (todo.length === 0) return done(`${head}${already}Dependencies resolved.\nNothing to do.\nComplete!\n`);
  const table =
    `Dependencies resolved.\n${'='.repeat(80)}\n Package              Architecture   Version                Repository     Size\n${'='.repeat(80)}\nInstalling:\n` +
    todo.map((p) => ` ${p.padEnd(20)} ${host.arch.padEnd(14)} ${PACKAGES[p]!.padEnd(22)} appstream      1.1 M\n`).join('') +
    `\nTransaction Summary\n${'='.repeat(80)}\nInstall  ${todo.length} Package${todo.length > 1 ? 's' : ''}\n\n`;
  if (!yes && ctx.answer === undefined) return { kind: 'ask', prompt: `${head}${already}${table}Is this ok [y/N]: ` };
  if (!yes && !/^y(es)?$/i.test(ctx.answer!.trim())) return fail('', 1, 'Operation aborted.\n');
  for (const p of todo) host.packages[p] = true;
  ctx.changed();
  return done(`${yes ? head + already + table : ''}Running transaction\n\nInstalled:\n${todo.map((p) => `  ${nevra(host, p)}\n`).join('')}\nComplete!\n`);
};

const UNITS: Record<string, string> = { openvswitch: 'openvswitch', libvirtd: 'libvirt', virtqemud: 'libvirt' };

export const systemctl: NicTool = (ctx, host) => {
  const args = ctx.argv.filter((a) => !a.startsWith('-'));
  const quiet = ctx.argv.includes('-q') || ctx.argv.includes('--quiet');
  const now = ctx.argv.includes('--now');
  const [cmd, ...units] = args;
  if (cmd === undefined) return fail('systemctl: only unit commands are simulated in the marshal lab\n');
  if (cmd === 'reboot') return systemctlReboot(ctx, host);
  let code = 0;
  let out = '';
  let err = '';
  for (const u of units) {
    const name = u.replace(/\.service$/, '');
    const pkg = UNITS[name];
    const installed = pkg !== undefined && host.packages[pkg];
    const unit = `${name}.service`;
    const active = name === 'openvswitch' ? host.ovs.running : installed;
    if (cmd === 'is-active') {
      if (!active) code = 3;
      if (!quiet) out += active ? 'active\n' : 'inactive\n';
      continue;
    }
    if (cmd === 'is-enabled') {
      if (!installed) return fail(`Failed to get unit file state for ${unit}: No such file or directory\n`, 1);
      out += 'enabled\n';
      continue;
    }
    if (!installed) {
      const verb = { start: 'start', restart: 'restart', stop: 'stop', status: '', enable: 'enable' }[cmd] ?? cmd;
      if (cmd === 'status') return fail(`Unit ${unit} could not be found.\n`, 4);
      if (cmd === 'enable') return fail(`Failed to enable unit: Unit file ${unit} does not exist.\n`, 1);
      return fail(`Failed to ${verb} ${unit}: Unit ${unit} not found.\n`, 5);
    }
    if (cmd === 'status') {
      out += `● ${unit} - ${name === 'openvswitch' ? 'Open vSwitch' : 'libvirt'}\n     Loaded: loaded (/usr/lib/systemd/system/${unit}; enabled; preset: disabled)\n     Active: ${active ? 'active (exited)' : 'inactive (dead)'}\n`;
      if (!active) code = 3;
      continue;
    }
    if (name !== 'openvswitch') continue;
    const r = ovsUnit(host, cmd, now);
    ctx.changed();
    if (r) err += r;
  }
  if (err) return fail(err, 1, out);
  return { kind: 'done', stdout: out, stderr: '', code } satisfies ToolResult;
};

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
