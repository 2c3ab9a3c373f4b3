/** ovs-vsctl: show, get/set/remove other_config, add-br/del-br, add-port/del-port, br-set/get-external-id, br-exists, list-br, list-ports. */
import type { NicHostState } from '../model/types';
import { done, fail } from '../model/types';
import { bridgeOfPort, findBridge, formatOvsMap, ovsString } from '../model/ovs';
import { visibleVfs } from '../model/nic';
import type { NicTool } from './context';

class OvsError extends Error {
  constructor(
    message: string,
    public code = 1,
  ) {
    super(message);
  }
}

function netdevExists(host: NicHostState, name: string, now: number): boolean {
  for (const pf of host.pfs) {
    if (pf.netdev === name) return true;
    for (const vf of visibleVfs(pf, now)) {
      if (pf.eswitch === 'switchdev' && vf.representor === name) return true;
      if (vf.driver === 'mlx5_core' && vf.netdev === name) return true;
    }
  }
  return false;
}

function show(host: NicHostState, now: number): string {
  const o = host.ovs;
  let s = `${o.uuid}\n`;
  for (const b of o.bridges) {
    s += `    Bridge ${b.name}\n`;
    const ports = [...b.ports, b.name].sort();
    for (const p of ports) {
      s += `        Port ${p}\n            Interface ${p}\n`;
      if (p === b.name) s += '                type: internal\n';
      else if (!netdevExists(host, p, now)) s += `                error: "could not open network device ${p} (No such device)"\n`;
    }
  }
  s += `    ovs_version: "${o.version}"\n`;
  return s;
}

const unquote = (v: string) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** The Open_vSwitch table's one row (`.`), whose other_config column is all the lab models. */
function checkRow(t: string | undefined, rec: string | undefined): void {
  if (t !== 'Open_vSwitch' && t !== 'open_vswitch' && t !== 'o') throw new OvsError(`ovs-vsctl: unknown table "${t ?? ''}"`);
  if (rec !== '.') throw new OvsError(`ovs-vsctl: no row "${rec ?? ''}" in table Open_vSwitch`);
}

/** `get`, `set` and `remove` on Open_vSwitch . other_config. */
function otherConfigOp(o: NicHostState['ovs'], verb: 'get' | 'set' | 'remove', a: string[], opts: { ifExists: boolean }): string {
  checkRow(a[0], a[1]);
  if (verb === 'get') {
    let out = '';
    for (const colKey of a.slice(2)) {
      const [col, key] = colKey.split(':', 2);
      if (col !== 'other_config') throw new OvsError(`ovs-vsctl: Open_vSwitch does not contain a column whose name matches "${col}"`);
      if (key === undefined) out += `${formatOvsMap(o.otherConfig)}\n`;
      else {
        const v = o.otherConfig[unquote(key)];
        if (v === undefined) {
          if (opts.ifExists) continue;
          throw new OvsError(`ovs-vsctl: no key "${unquote(key)}" in Open_vSwitch record "." column other_config`);
        }
        out += `${ovsString(v)}\n`;
      }
    }
    return out;
  }
  const items = a.slice(2);
  if (verb === 'remove') {
    const [col, ...keys] = items;
    if (col !== 'other_config') throw new OvsError(`ovs-vsctl: Open_vSwitch does not contain a column whose name matches "${col ?? ''}"`);
    for (const k of keys) delete o.otherConfig[unquote(k.split('=')[0]!)];
    return '';
  }
  for (const it of items) {
    const m = /^other_config:("?[^=]+"?)=(.*)$/.exec(it);
    if (!m) throw new OvsError(`ovs-vsctl: ${it}: argument does not end in "=" followed by a value.`);
    o.otherConfig[unquote(m[1]!)] = unquote(m[2]!);
  }
  return '';
}

/** `br-set-external-id BR KEY [VALUE]` (no value: removes the key) and `br-get-external-id BR [KEY]`. */
function externalIdOp(o: NicHostState['ovs'], verb: 'br-set-external-id' | 'br-get-external-id', a: string[]): string {
  const [brName, key, value] = a;
  if (!brName || (verb === 'br-set-external-id' && !key)) throw new OvsError(`ovs-vsctl: '${verb}' command requires at least ${verb === 'br-set-external-id' ? 2 : 1} arguments`);
  const br = findBridge(o, brName);
  if (!br) throw new OvsError(`ovs-vsctl: no bridge named ${brName}`);
  const ids = br.externalIds ?? {};
  if (verb === 'br-get-external-id') {
    if (key !== undefined) return ids[key] === undefined ? '' : `${ids[key]}\n`;
    return Object.keys(ids).sort().map((k) => `${k}=${ids[k]}\n`).join('');
  }
  if (value === undefined) delete ids[key!];
  else ids[key!] = value;
  if (Object.keys(ids).length > 0) br.externalIds = ids;
  else delete br.externalIds;
  return '';
}

function runOne(host: NicHostState, cmd: string[], opts: { mayExist: boolean; ifExists: boolean }, now: number): string {
  const o = host.ovs;
  const [verb, ...a] = cmd;
  switch (verb) {
    case 'show':
      return show(host, now);
    case 'get':
    case 'set':
    case 'remove':
      return otherConfigOp(o, verb, a, opts);
    case 'add-br': {
      const name = a[0];
      if (!name) throw new OvsError("ovs-vsctl: 'add-br' command requires at least 1 arguments");
      if (findBridge(o, name)) {
        if (opts.mayExist) return '';
        throw new OvsError(`ovs-vsctl: cannot create a bridge named ${name} because a bridge named ${name} already exists`);
      }
      const holder = bridgeOfPort(o, name);
      if (holder) throw new OvsError(`ovs-vsctl: cannot create a bridge named ${name} because a port named ${name} already exists on bridge ${holder.name}`);
      o.bridges.push({ name, ports: [] });
      return '';
    }
    case 'del-br': {
      const name = a[0] ?? '';
      if (!findBridge(o, name)) {
        if (opts.ifExists) return '';
        throw new OvsError(`ovs-vsctl: no bridge named ${name}`);
      }
      o.bridges = o.bridges.filter((b) => b.name !== name);
      return '';
    }
    case 'add-port': {
      const [brName, port] = a;
      if (!brName || !port) throw new OvsError("ovs-vsctl: 'add-port' command requires at least 2 arguments");
      const br = findBridge(o, brName);
      if (!br) throw new OvsError(`ovs-vsctl: no bridge named ${brName}`);
      const holder = bridgeOfPort(o, port);
      if (holder) {
        if (opts.mayExist && holder === br) return '';
        if (opts.mayExist) throw new OvsError(`ovs-vsctl: "--may-exist add-port ${brName} ${port}" but ${port} is actually attached to bridge ${holder.name}`);
        throw new OvsError(`ovs-vsctl: cannot create a port named ${port} because a port named ${port} already exists on bridge ${holder.name}`);
      }
      br.ports.push(port);
      return '';
    }
    case 'del-port': {
      const [x, y] = a;
      const port = y ?? x ?? '';
      const holder = y ? findBridge(o, x!) : bridgeOfPort(o, port);
      if (!holder || !holder.ports.includes(port)) {
        if (opts.ifExists) return '';
        throw new OvsError(`ovs-vsctl: no port named ${port}`);
      }
      holder.ports = holder.ports.filter((p) => p !== port);
      return '';
    }
    case 'br-set-external-id':
    case 'br-get-external-id':
      return externalIdOp(o, verb, a);
    case 'br-exists':
      if (!findBridge(o, a[0] ?? '')) throw new OvsError('', 2);
      return '';
    case 'list-br':
      return o.bridges.map((b) => `${b.name}\n`).sort().join('');
    case 'list-ports': {
      const br = findBridge(o, a[0] ?? '');
      if (!br) throw new OvsError(`ovs-vsctl: no bridge named ${a[0] ?? ''}`);
      return [...br.ports].sort().map((p) => `${p}\n`).join('');
    }
    case 'port-to-br': {
      const holder = bridgeOfPort(o, a[0] ?? '');
      if (!holder) throw new OvsError(`ovs-vsctl: no port named ${a[0] ?? ''}`);
      return `${holder.name}\n`;
    }
    default:
      throw new OvsError(`ovs-vsctl: unknown command '${verb ?? ''}'; use --help for help`);
  }
}

const MUTATING = new Set(['set', 'remove', 'add-br', 'del-br', 'add-port', 'del-port', 'br-set-external-id']);

export const ovsVsctl: NicTool = (ctx, host) => {
  if (!host.ovs.running) return fail('ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n');
  // Global options first, then commands separated by `--`, each with its own options.
  const cmds: { argv: string[]; mayExist: boolean; ifExists: boolean }[] = [{ argv: [], mayExist: false, ifExists: false }];
  for (const a of ctx.argv) {
    const cur = cmds[cmds.length - 1]!;
    if (a === '--') cmds.push({ argv: [], mayExist: false, ifExists: false });
    else if (a === '--may-exist') cur.mayExist = true;
    else if (a === '--if-exists') cur.ifExists = true;
    else if (a.startsWith('--') && cur.argv.length === 0) continue; // --timeout=5, --no-wait, ...
    else if (a === '-t' && cur.argv.length === 0) continue;
    else cur.argv.push(a);
  }
  const work = cmds.filter((c) => c.argv.length > 0);
  if (work.length === 0) return fail('ovs-vsctl: missing command name (use --help for help)\n');
  // Transactions are all-or-nothing: run on a copy, commit when every command succeeded.
  const before = JSON.stringify(host.ovs);
  let out = '';
  try {
    for (const c of work) out += runOne(host, c.argv, c, ctx.world.now());
  } catch (e) {
    host.ovs = JSON.parse(before);
    const err = e as OvsError;
    return fail(err.message ? `${err.message}\n` : '', err.code);
  }
  if (work.some((c) => MUTATING.has(c.argv[0]!))) ctx.changed();
  return done(out);
};
