/** virsh: list, dumpxml, nodedev-detach/reattach, attach-device, detach-device, migrate, domjobinfo, start, destroy. */
import type { DomainState, NicHostState, ToolResult } from '../model/types';
import { done, fail } from '../model/types';
import { attachHostdevs, detachHostdevs, findDomain, migrateDomain, nodedevDetach, nodedevReattach, parseHostdevXml } from '../model/libvirt';
import { pciFromNodedev } from '../model/pci';
import type { NicTool, ToolContext } from './context';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => ` ${r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('   ')}`;
  const total = widths.reduce((a, w) => a + w, 0) + 3 * (widths.length - 1) + 3;
  return [line(rows[0]!), '-'.repeat(total), ...rows.slice(1).map(line), ''].join('\n') + '\n';
}

export function domainXml(d: DomainState): string {
  const hex = (s: string, w: number) => `0x${s.padStart(w, '0')}`;
  const hostdevs = d.hostdevs
    .map((h) => {
      const [dom, bus, sf] = h.pci.split(':') as [string, string, string];
      const [slot, fn] = sf.split('.') as [string, string];
      return `    <interface type='hostdev' managed='${h.managed ? 'yes' : 'no'}'>
      <mac address='${h.mac}'/>
      <driver name='vfio'/>
      <source>
        <address type='pci' domain='${hex(dom, 4)}' bus='${hex(bus, 2)}' slot='${hex(slot, 2)}' function='${hex(fn, 1)}'/>
      </source>
      <alias name='hostdev0'/>
    </interface>
`;
    })
    .join('');
  return `<domain type='kvm'${d.state === 'running' ? ` id='${d.id}'` : ''}>
  <name>${d.name}</name>
  <uuid>${d.uuid}</uuid>
  <memory unit='KiB'>${d.memoryKiB}</memory>
  <currentMemory unit='KiB'>${d.memoryKiB}</currentMemory>
  <vcpu placement='static'>${d.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-rhel9.4.0'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>${d.viommu ? "\n    <ioapic driver='qemu'/>" : ''}
  </features>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <devices>
    <emulator>/usr/libexec/qemu-kvm</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/${d.name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
${hostdevs}    <console type='pty'/>${d.viommu ? "\n    <iommu model='intel'>\n      <driver intremap='on' caching_mode='on'/>\n    </iommu>" : ''}
  </devices>
</domain>
`;
}

function jobinfo(job: { operation: string; elapsedMs: number; dataBytes: number } | undefined): string {
  if (!job) return 'Job type:         None        \n\n';
  const gib = (job.dataBytes / 2 ** 30).toFixed(3);
  return [
    'Job type:         Completed   ',
    `Operation:        ${job.operation}`,
    `Time elapsed:     ${job.elapsedMs}          ms`,
    `Data processed:   ${gib} GiB`,
    `Data remaining:   0.000 B`,
    `Data total:       ${gib} GiB`,
    `Memory processed: ${gib} GiB`,
    'Memory remaining: 0.000 B',
    `Memory total:     ${gib} GiB`,
    'Dirty rate:       0            pages/s',
    'Iteration:        2',
    '',
    '',
  ].join('\n');
}

const noDomain = (name: string) => fail(`error: failed to get domain '${name}'\n`);

/** A parsed virsh command line: the subcommand, its --flags, positional words and `--opt value`s. */
interface VirshArgs {
  cmd: string;
  flags: Set<string>;
  pos: string[];
  opt: (name: string) => string | undefined;
}

/** `nodedev-detach` / `nodedev-reattach pci_0000_...`: a VF between its driver and vfio-pci. */
function nodedevOp(ctx: ToolContext, host: NicHostState, { cmd, pos, opt }: VirshArgs): ToolResult {
  const w = ctx.world;
  const name = pos.find((p) => p !== opt('--driver')) ?? '';
  const pci = pciFromNodedev(name);
  if (!pci) return fail(`error: Could not find matching device '${name}'\nerror: Node device not found: no node device with matching name '${name}'\n`);
  const r = cmd === 'nodedev-reattach' ? nodedevReattach(w, host, pci) : nodedevDetach(w, host, pci, opt('--driver'));
  if (!r.ok) {
    if (r.error.startsWith('Device ')) return fail(`error: Could not find matching device '${name}'\nerror: Node device not found: no node device with matching name '${name}'\n`);
    return fail(`error: Failed to ${cmd === 'nodedev-reattach' ? 're-attach' : 'detach'} device ${name}\nerror: ${r.error}\n`);
  }
  ctx.changed();
  return done(`Device ${name} ${cmd === 'nodedev-reattach' ? 're-attached' : 'detached'}\n\n`);
}

/** `attach-device` / `detach-device DOMAIN FILE`: hostdevs from the caller's XML file. */
function hostdevOp(ctx: ToolContext, host: NicHostState, { cmd, flags, pos, opt }: VirshArgs): ToolResult {
  const w = ctx.world;
  const [domName, file] = [opt('--domain') ?? pos[0], opt('--file') ?? pos[1]];
  if (!domName || !file) return fail(`error: command '${cmd}' requires <domain> and <file> options\n`);
  const d = findDomain(host, domName);
  if (!d) return noDomain(domName);
  const xml = ctx.readFile(file);
  if (xml === undefined) return fail(`error: Failed to open file '${file}': No such file or directory\n`);
  const devs = parseHostdevXml(xml);
  const verb = cmd === 'attach-device' ? 'attach' : 'detach';
  if (typeof devs === 'string') return fail(`error: Failed to ${verb} device from ${file}\nerror: ${devs}\n`);
  if (d.state !== 'running' && flags.has('--live')) return fail(`error: Failed to ${verb} device from ${file}\nerror: Requested operation is not valid: domain is not running\n`);
  const r = verb === 'attach' ? attachHostdevs(w, host, d, devs) : detachHostdevs(w, host, d, devs);
  if (!r.ok) return fail(`error: Failed to ${verb} device from ${file}\nerror: ${r.error}\n`);
  ctx.changed();
  return done(`Device ${verb === 'attach' ? 'attached' : 'detached'} successfully\n\n`);
}

/** `migrate DOMAIN qemu+ssh://HOST/system`: moves the domain (and its VFs) to another lab host. */
function migrate(ctx: ToolContext, host: NicHostState, { flags, pos, opt }: VirshArgs): ToolResult {
  const w = ctx.world;
  const domName = opt('--domain') ?? pos[0];
  const desturi = opt('--desturi') ?? pos[1];
  if (!domName) return fail("error: command 'migrate' requires <domain> option\n");
  if (!desturi) return fail("error: command 'migrate' requires <desturi> option\n");
  const d = findDomain(host, domName);
  if (!d) return noDomain(domName);
  const m = /^qemu(?:\+ssh|\+tcp|\+tls)?:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/system/.exec(desturi);
  if (!m) return fail(`error: invalid argument: could not parse destination URI '${desturi}'\n`);
  const dst = w.resolveHost(m[1]!);
  if (!dst) return fail(`error: failed to connect to the hypervisor\nerror: Cannot recv data: ssh: Could not resolve hostname ${m[1]}: Name or service not known: Connection reset by peer\n`);
  const r = migrateDomain(w, host, d, dst, { live: flags.has('--live'), postcopy: flags.has('--postcopy') || flags.has('--postcopy-after-precopy') });
  if (!r.ok) return fail(`error: ${r.error}\n`);
  ctx.changed();
  return done('', flags.has('--verbose') ? 'Migration: [100.00 %]\n' : '');
}

export const virsh: NicTool = (ctx, host) => {
  // `-c URI` / `--connect URI` are accepted and ignored: one hypervisor per host.
  const argv: string[] = [];
  for (let i = 0; i < ctx.argv.length; i++) {
    const a = ctx.argv[i]!;
    if (a === '-c' || a === '--connect') i++;
    else if (!a.startsWith('--connect=')) argv.push(a);
  }
  const [cmd, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const pos = rest.filter((a) => !a.startsWith('--'));
  const opt = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const w = ctx.world;
  switch (cmd) {
    case 'list': {
      const all = flags.has('--all') || flags.has('--inactive');
      const ds = host.domains.filter((d) => (flags.has('--inactive') ? d.state !== 'running' : all || d.state === 'running'));
      if (flags.has('--name')) return done(ds.map((d) => `${d.name}\n`).join('') + '\n');
      return done(table([['Id', 'Name', 'State'], ...ds.map((d) => [d.state === 'running' ? String(d.id) : '-', d.name, d.state])]));
    }
    case 'domstate': {
      const d = findDomain(host, pos[0] ?? '');
      return d ? done(`${d.state}\n\n`) : noDomain(pos[0] ?? '');
    }
    case 'dumpxml': {
      const d = findDomain(host, pos[0] ?? '');
      return d ? done(domainXml(d)) : noDomain(pos[0] ?? '');
    }
    case 'nodedev-detach':
    case 'nodedev-dettach':
    case 'nodedev-reattach':
      return nodedevOp(ctx, host, { cmd, flags, pos, opt });
    case 'attach-device':
    case 'detach-device':
      return hostdevOp(ctx, host, { cmd, flags, pos, opt });
    case 'migrate':
      return migrate(ctx, host, { cmd, flags, pos, opt });
    case 'domjobinfo': {
      const name = pos[0] ?? '';
      const d = findDomain(host, name);
      if (!d) {
        const gone = host.lastJobs?.[name];
        if (gone && flags.has('--completed')) return done(jobinfo(gone));
        return noDomain(name);
      }
      return done(flags.has('--completed') ? jobinfo(d.lastJob) : jobinfo(undefined));
    }
    case 'start':
    case 'destroy': {
      const d = findDomain(host, pos[0] ?? '');
      if (!d) return noDomain(pos[0] ?? '');
      if (cmd === 'start') {
        if (d.state === 'running') return fail('error: Failed to start domain \'' + d.name + "'\nerror: Requested operation is not valid: domain is already running\n");
        d.state = 'running';
        d.id = host.nextDomainId++;
      } else {
        if (d.state !== 'running') return fail(`error: Failed to destroy domain '${d.name}'\nerror: Requested operation is not valid: domain is not running\n`);
        d.state = 'shut off';
        d.id = -1;
      }
      ctx.changed();
      return done(`Domain '${d.name}' ${cmd === 'start' ? 'started' : 'destroyed'}\n\n`);
    }
    case undefined:
      return fail('error: the marshal lab simulates virsh subcommands only (no interactive shell)\n');
    default:
      return fail(`error: unknown command: '${cmd}'\n`);
  }
};
