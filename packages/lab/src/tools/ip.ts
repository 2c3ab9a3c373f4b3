/** `ip link` on lab hosts and guests, and `ping` in guests (nothing is sent: the answer follows the model). */
import type { GuestHostState, NicHostState, ToolResult } from '../model/types';
import { done, fail } from '../model/types';
import { visibleVfs } from '../model/nic';
import { datapathProblem } from '../model/host';
import type { GuestTool, NicTool } from './context';
import type { World } from '../model/world';

interface Link {
  name: string;
  mac: string;
  flags: string;
  state: 'UP' | 'DOWN' | 'UNKNOWN';
  mtu: number;
  master?: string;
  kind: 'loopback' | 'ether';
  vfs?: { n: number; mac: string }[];
}

const LO: Link = { name: 'lo', mac: '00:00:00:00:00:00', flags: 'LOOPBACK,UP,LOWER_UP', state: 'UNKNOWN', mtu: 65536, kind: 'loopback' };
const UPF = 'BROADCAST,MULTICAST,UP,LOWER_UP';

function macFrom(base: string, n: number): string {
  const v = (parseInt(base, 16) + n) % 2 ** 48;
  return v.toString(16).padStart(12, '0').match(/../g)!.join(':');
}

function hostLinks(host: NicHostState, now: number): Link[] {
  const links: Link[] = [LO, { name: 'eno1', mac: macFrom(host.pfs[0]!.baseMac, 0x100000), flags: UPF, state: 'UP', mtu: 1500, kind: 'ether' }];
  for (const pf of host.pfs) {
    const vfs = visibleVfs(pf, now);
    const master = host.ovs.running && host.ovs.bridges.some((b) => b.ports.includes(pf.netdev)) ? 'ovs-system' : undefined;
    links.push({ name: pf.netdev, mac: macFrom(pf.baseMac, 0), flags: UPF, state: 'UP', mtu: 1500, kind: 'ether', vfs: vfs.map((v) => ({ n: v.index, mac: v.hwAddr })), ...(master ? { master } : {}) });
    for (const vf of vfs) {
      if (vf.driver === 'mlx5_core') links.push({ name: vf.netdev, mac: macFrom(pf.baseMac, 0x10 + vf.index), flags: 'BROADCAST,MULTICAST', state: 'DOWN', mtu: 1500, kind: 'ether' });
      if (pf.eswitch === 'switchdev') {
        const onBridge = host.ovs.running && host.ovs.bridges.some((b) => b.ports.includes(vf.representor));
        links.push({ name: vf.representor, mac: macFrom(pf.baseMac, 0x40 + vf.index), flags: UPF, state: 'UP', mtu: 1500, kind: 'ether', ...(onBridge ? { master: 'ovs-system' } : {}) });
      }
    }
  }
  if (host.ovs.running) {
    links.push({ name: 'ovs-system', mac: macFrom(host.pfs[0]!.baseMac, 0x200000), flags: 'BROADCAST,MULTICAST', state: 'DOWN', mtu: 1500, kind: 'ether' });
    for (const b of host.ovs.bridges) links.push({ name: b.name, mac: macFrom(host.pfs[0]!.baseMac, 0x300000 + b.name.length), flags: 'BROADCAST,MULTICAST', state: 'DOWN', mtu: 1500, kind: 'ether' });
  }
  return links;
}

function guestLinks(world: World, guest: GuestHostState): Link[] {
  const links: Link[] = [LO, { name: 'eth0', mac: '52:54:00:12:34:56', flags: UPF, state: 'UP', mtu: 1500, kind: 'ether' }];
  const where = world.domainOfGuest(guest);
  if (!where) return links;
  where.domain.hostdevs.forEach((hd, i) => {
    links.push({ name: i === 0 ? guest.vfInterface : `${guest.vfInterface.replace(/\d+$/, '')}${7 + i}`, mac: hd.mac, flags: UPF, state: 'UP', mtu: 1500, kind: 'ether' });
  });
  return links;
}

function render(links: Link[], argv: string[]): ToolResult {
  const args: string[] = [];
  let brief = false;
  let asJson = false;
  for (const a of argv) {
    if (a === '-br' || a === '-brief' || a === '--brief') brief = true;
    else if (a === '-j' || a === '-json' || a === '--json') asJson = true;
    else if (/^-[0-9a-z]+$/.test(a) && a !== '-d') {
      /* other display flags */
    } else args.push(a);
  }
  const [obj, cmd, ...rest] = args;
  if (obj === undefined || !'link'.startsWith(obj)) {
    if (obj !== undefined && 'address'.startsWith(obj)) return render(links, [...argv.filter((a) => a.startsWith('-')), 'link', ...(cmd ? [cmd] : []), ...rest]);
    return fail(`Object "${obj ?? ''}" is unknown, try "ip help".\n`);
  }
  if (cmd !== undefined && cmd !== 'show' && cmd !== 'list' && cmd !== 'ls') {
    if (cmd === 'set') return done();
    return fail(`Command "${cmd}" is unknown, try "ip link help".\n`);
  }
  const devIdx = rest.indexOf('dev');
  const dev = devIdx >= 0 ? rest[devIdx + 1] : rest[0];
  let shown = links.map((l, i) => ({ l, i: i + 1 }));
  if (dev !== undefined) {
    shown = shown.filter((x) => x.l.name === dev);
    if (shown.length === 0) return fail(`Device "${dev}" does not exist.\n`);
  }
  if (asJson) {
    return done(
      JSON.stringify(shown.map(({ l, i }) => ({ ifindex: i, ifname: l.name, flags: l.flags.split(','), mtu: l.mtu, operstate: l.state, link_type: l.kind, address: l.mac, ...(l.master ? { master: l.master } : {}) }))) + '\n',
    );
  }
  if (brief) return done(shown.map(({ l }) => `${l.name.padEnd(16)} ${l.state.padEnd(14)} ${l.mac} <${l.flags}> `).join('\n') + '\n');
  const out: string[] = [];
  for (const { l, i } of shown) {
    const qdisc = l.kind === 'loopback' ? 'noqueue' : 'mq';
    out.push(`${i}: ${l.name}: <${l.flags}> mtu ${l.mtu} qdisc ${qdisc}${l.master ? ` master ${l.master}` : ''} state ${l.state} mode DEFAULT group default qlen 1000`);
    out.push(`    link/${l.kind} ${l.mac} brd ${l.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'}`);
    for (const v of l.vfs ?? []) out.push(`    vf ${v.n}     link/ether ${v.mac} brd ff:ff:ff:ff:ff:ff, spoof checking off, link-state auto, trust off, query_rss off`);
  }
  return done(out.join('\n') + '\n');
}

export const ipHost: NicTool = (ctx, host) => render(hostLinks(host, ctx.world.now()), ctx.argv);

export const ipGuest: GuestTool = (ctx, guest) => render(guestLinks(ctx.world, guest), ctx.argv);

/** `ping [-c N] [-I iface] target` inside a guest: succeeds when the VF's datapath works on the domain's current host. */
export const pingGuest: GuestTool = (ctx, guest) => {
  const argv = [...ctx.argv];
  let count = 4;
  let iface: string | undefined;
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c') count = Number(argv[++i]);
    else if (a === '-I') iface = argv[++i];
    else if (a === '-W' || a === '-w' || a === '-i' || a === '-s') i++;
    else if (a.startsWith('-')) continue;
    else target = a;
  }
  if (!target) return fail('ping: usage error: Destination address required\n', 2);
  const links = guestLinks(ctx.world, guest);
  if (iface && !links.some((l) => l.name === iface)) return fail(`ping: SO_BINDTODEVICE ${iface}: No such device\n`, 2);
  let works = true;
  if (iface && iface !== 'eth0' && iface !== 'lo') {
    const where = ctx.world.domainOfGuest(guest)!;
    const idx = links.findIndex((l) => l.name === iface) - 2;
    const hd = where.domain.hostdevs[idx];
    works = hd !== undefined && datapathProblem(where.host, hd.pci, ctx.world.now()) === null;
  }
  const from = `${target.split('.').slice(0, 3).join('.')}.20`;
  const head = `PING ${target} (${target}) ${iface ? `from ${from} ${iface}: ` : ''}56(84) bytes of data.\n`;
  const n = Math.max(1, Math.min(count, 20));
  if (!works) {
    return fail('', 1, `${head}\n--- ${target} ping statistics ---\n${n} packets transmitted, 0 received, 100% packet loss, time ${(n - 1) * 1000 + 20}ms\n\n`);
  }
  let body = '';
  for (let s = 1; s <= n; s++) body += `64 bytes from ${target}: icmp_seq=${s} ttl=64 time=0.${(40 + s).toString()} ms\n`;
  return done(`${head}${body}\n--- ${target} ping statistics ---\n${n} packets transmitted, ${n} received, 0% packet loss, time ${(n - 1) * 1000 + 3}ms\nrtt min/avg/max/mdev = 0.041/0.04${Math.min(n, 9)}/0.0${40 + n}/0.003 ms\n`);
};
