/** devlink (iproute2): dev show, dev eswitch show/set, port show, port function set; `-j` JSON. */
import type { NicHostState, PfState, ToolResult, VfState } from '../model/types';
import { done, fail } from '../model/types';
import { findPf } from '../model/host';
import { migrationActive, setEswitchMode, setMigratable, visibleVfs, type Errno } from '../model/nic';
import { uplinkPortIndex, vfPortIndex } from '../model/pci';
import type { NicTool, ToolContext } from './context';

export const STRERROR: Record<Errno, string> = {
  EBUSY: 'Device or resource busy',
  ERANGE: 'Numerical result out of range',
  EINVAL: 'Invalid argument',
  ENODEV: 'No such device',
  EOPNOTSUPP: 'Operation not supported',
  ENOENT: 'No such file or directory',
  EPERM: 'Operation not permitted',
};

function kernelError(message: string | undefined, errno: Errno): ToolResult {
  return fail(`${message ? `Error: ${message}.\n` : ''}kernel answers: ${STRERROR[errno]}\n`);
}

interface Port {
  handle: string;
  text: string;
  json: Record<string, unknown>;
}

function ports(pf: PfState, now: number): Port[] {
  const up = `pci/${pf.pci}/${uplinkPortIndex(pf.pfnum)}`;
  const out: Port[] = [
    {
      handle: up,
      text: `${up}: type eth netdev ${pf.netdev} flavour physical port ${pf.pfnum} splittable false\n`,
      json: { type: 'eth', netdev: pf.netdev, flavour: 'physical', port: pf.pfnum, splittable: false },
    },
  ];
  // VF ports (and their representors) exist only in switchdev mode.
  if (pf.eswitch !== 'switchdev') return out;
  const withMig = migrationActive(pf);
  for (const vf of visibleVfs(pf, now)) out.push(vfPort(pf, vf, withMig));
  return out;
}

function vfPort(pf: PfState, vf: VfState, withMig: boolean): Port {
  const h = `pci/${pf.pci}/${vfPortIndex(pf.pfnum, vf.index)}`;
  const fn: Record<string, string> = { hw_addr: vf.hwAddr, roce: 'enable' };
  // `migratable` is reported only while the firmware's migration capability is active.
  if (withMig) fn.migratable = vf.migratable ? 'enable' : 'disable';
  const fnText = Object.entries(fn)
    .map(([k, v]) => `${k} ${v}`)
    .join(' ');
  return {
    handle: h,
    text: `${h}: type eth netdev ${vf.representor} flavour pcivf pfnum ${pf.pfnum} vfnum ${vf.index}\n    function:\n    ${fnText}\n`,
    json: { type: 'eth', netdev: vf.representor, flavour: 'pcivf', pfnum: pf.pfnum, vfnum: vf.index, function: fn },
  };
}

function eswitchOf(pf: PfState): Record<string, string> {
  return pf.eswitch === 'switchdev'
    ? { mode: 'switchdev', 'inline-mode': 'none', 'encap-mode': 'basic' }
    : { mode: 'legacy', 'inline-mode': 'link', 'encap-mode': 'basic' };
}

function pfOfHandle(host: NicHostState, handle: string | undefined): PfState | undefined {
  const m = /^pci\/([0-9a-f:.]+)$/i.exec(handle ?? '');
  return m ? findPf(host, m[1]!.toLowerCase()) : undefined;
}

const json = (v: unknown, pretty: boolean) => (pretty ? JSON.stringify(v, null, 4) : JSON.stringify(v)) + '\n';

/** A command word abbreviated as iproute2 allows: any non-empty prefix of `full`. */
const is = (w: string | undefined, full: string) => w !== undefined && w.length > 0 && full.startsWith(w);

/** `devlink port function set pci/<pf>/<port> migratable|hw_addr ...`: a VF's port function. */
function portFunction(ctx: ToolContext, host: NicHostState, r: string[], now: number): ToolResult {
  const [sub, handle, ...opts] = r;
  if (!is(sub, 'set')) return fail(`Command "${sub ?? ''}" not found\n`);
  const m = /^pci\/([^/]+)\/(\d+)$/.exec(handle ?? '');
  const pf = m ? findPf(host, m[1]!) : undefined;
  if (!m || !pf) return kernelError(undefined, 'ENODEV');
  const index = Number(m[2]);
  const vf = pf.eswitch === 'switchdev' ? visibleVfs(pf, now).find((v) => vfPortIndex(pf.pfnum, v.index) === index) : undefined;
  if (!vf) return kernelError(undefined, 'ENODEV');
  for (let i = 0; i < opts.length; i += 2) {
    const [k, v] = [opts[i]!, opts[i + 1]];
    if (k === 'migratable') {
      if (v !== 'enable' && v !== 'disable') return fail('Error: migratable: expected "enable" or "disable".\n');
      const e = setMigratable(pf, vf, v === 'enable');
      if (e) return kernelError(e.message, e.errno);
    } else if (k === 'hw_addr') {
      if (!v || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v)) return fail(`Error: hw_addr "${v ?? ''}" is invalid.\n`);
      vf.hwAddr = v.toLowerCase();
    } else if (k === 'roce' || k === 'state') {
      /* accepted, not modelled */
    } else return fail(`Unknown option "${k}"\n`);
  }
  ctx.changed();
  return done();
}

export const devlink: NicTool = (ctx, host) => {
  const args: string[] = [];
  let asJson = false;
  let pretty = false;
  for (const a of ctx.argv) {
    if (/^-[jpnvs]+$/.test(a)) {
      if (a.includes('j')) asJson = true;
      if (a.includes('p')) pretty = true;
    } else if (a === '--json') asJson = true;
    else if (a === '--pretty') pretty = true;
    else args.push(a);
  }
  const now = ctx.world.now();
  const [obj, ...rest] = args;
  if (is(obj, 'dev')) {
    const [cmd, ...r] = rest;
    if (cmd === undefined || is(cmd, 'show') || is(cmd, 'list')) {
      if (asJson) return done(json({ dev: Object.fromEntries(host.pfs.map((p) => [`pci/${p.pci}`, {}])) }, pretty));
      return done(host.pfs.map((p) => `pci/${p.pci}\n`).join(''));
    }
    if (is(cmd, 'eswitch')) {
      const [sub, handle, ...opts] = r;
      const pf = pfOfHandle(host, handle);
      if (!pf) return kernelError(undefined, 'ENODEV');
      if (sub === undefined || is(sub, 'show')) {
        const e = eswitchOf(pf);
        if (asJson) return done(json({ dev: { [`pci/${pf.pci}`]: e } }, pretty));
        return done(`pci/${pf.pci}: mode ${e.mode} inline-mode ${e['inline-mode']} encap-mode ${e['encap-mode']}\n`);
      }
      if (is(sub, 'set')) {
        const i = opts.indexOf('mode');
        if (i < 0 || opts[i + 1] === undefined) return fail('Command "eswitch set" requires an option.\n');
        const mode = opts[i + 1]!;
        if (mode !== 'legacy' && mode !== 'switchdev') return fail(`Unknown eswitch mode "${mode}"\n`);
        const e = setEswitchMode(pf, mode);
        if (e) return kernelError(e.message, e.errno);
        ctx.changed();
        return done();
      }
      return fail(`Command "${sub}" not found\n`);
    }
    return fail(`Command "${cmd}" not found\n`);
  }
  if (is(obj, 'port')) {
    const [cmd, ...r] = rest;
    if (cmd === undefined || is(cmd, 'show') || is(cmd, 'list')) {
      const handle = r[0];
      let list = host.pfs.flatMap((p) => ports(p, now));
      if (handle !== undefined) {
        if (/^pci\/[^/]+$/.test(handle)) list = list.filter((p) => p.handle.startsWith(`${handle}/`));
        else list = list.filter((p) => p.handle === handle);
        if (list.length === 0) return kernelError(undefined, 'ENODEV');
      }
      if (asJson) return done(json({ port: Object.fromEntries(list.map((p) => [p.handle, p.json])) }, pretty));
      return done(list.map((p) => p.text).join(''));
    }
    if (is(cmd, 'function')) return portFunction(ctx, host, r, now);
    return fail(`Command "${cmd}" not found\n`);
  }
  if (obj === undefined) return fail('Usage: devlink [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { dev | port | sb | monitor | dpipe | resource | region | health | trap | rate | lc }\n');
  return fail(`Object "${obj}" not found\n`);
};
