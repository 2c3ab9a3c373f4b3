/**
 * Open vSwitch: `ovs-vsctl show` (bridges → ports → interfaces), `other_config` maps and
 * single values, `br-exists` (exit 0/2) and `list-ports`.
 */
import { defineFact, sh, FactParseError } from 'marshal';
import { contentLines, show } from './text';

// ---- ovsdb value syntax ----------------------------------------------------------------------

/**
 * One ovsdb atom at `s[i]`: a double-quoted string with C-style escapes, or a bare word
 * (ovs-vsctl leaves identifiers, numbers and booleans unquoted).
 */
function readAtom(fact: string, s: string, i: number, stops: string): { value: string; end: number } {
  if (s[i] === '"') {
    let out = '';
    let j = i + 1;
    while (j < s.length && s[j] !== '"') {
      if (s[j] === '\\') {
        const n = s[j + 1];
        if (n === undefined) break;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
        j += 2;
      } else out += s[j++];
    }
    if (s[j] !== '"') throw new FactParseError(fact, `unterminated quoted string: ${show(s)}`);
    return { value: out, end: j + 1 };
  }
  // Bare words never hold spaces (ovs-vsctl would have quoted them).
  let j = i;
  while (j < s.length && !stops.includes(s[j]!) && !/\s/.test(s[j]!)) j++;
  const value = s.slice(i, j);
  if (value === '') throw new FactParseError(fact, `expected a value at column ${i + 1}: ${show(s)}`);
  return { value, end: j };
}

/** `{hw-offload="true", max-idle="300000"}` → { 'hw-offload': 'true', 'max-idle': '300000' }. */
export function parseOvsMap(text: string, fact = 'ovs.map'): Record<string, string> {
  const s = text.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) throw new FactParseError(fact, `not an ovsdb map {k=v, ...}: ${show(text)}`);
  const out: Record<string, string> = {};
  let i = 1;
  const skip = () => {
    while (s[i] === ' ') i++;
  };
  skip();
  if (s[i] === '}' && i === s.length - 1) return out;
  for (;;) {
    skip();
    const k = readAtom(fact, s, i, '=,}');
    i = k.end;
    skip();
    if (s[i] !== '=') throw new FactParseError(fact, `expected = after key "${k.value}": ${show(text)}`);
    i++;
    skip();
    const v = readAtom(fact, s, i, ',}=');
    i = v.end;
    if (k.value in out) throw new FactParseError(fact, `key "${k.value}" appears twice: ${show(text)}`);
    out[k.value] = v.value;
    skip();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '}' && i === s.length - 1) return out;
    throw new FactParseError(fact, `expected , or } at column ${i + 1}: ${show(text)}`);
  }
}

/** `"true"` → `true`; bare words as they are. */
export function parseOvsScalar(text: string, fact = 'ovs.value'): string {
  const s = text.trim();
  const a = readAtom(fact, s, 0, '');
  if (a.end !== s.length) throw new FactParseError(fact, `trailing text after the value: ${show(text)}`);
  return a.value;
}

// ---- facts ----------------------------------------------------------------------------------------

/** `ovs-vsctl get Open_vSwitch . other_config` as a map. */
export const ovsOtherConfig = defineFact({
  name: 'ovs.other-config',
  command: () => sh`ovs-vsctl get Open_vSwitch . other_config`,
  parse: (stdout) => parseOvsMap(stdout, 'ovs.other-config'),
});

/** One other_config key; null when unset (`--if-exists` prints nothing for a missing key). */
export const ovsOtherConfigValue = defineFact({
  name: 'ovs.other-config-value',
  command: (key: string) => sh`ovs-vsctl --if-exists get Open_vSwitch . ${`other_config:${key}`}`,
  parse: (stdout): string | null => (stdout.trim() === '' ? null : parseOvsScalar(stdout, 'ovs.other-config-value')),
});

export const bridgeExists = defineFact({
  name: 'ovs.br-exists',
  command: (bridge: string) => sh`ovs-vsctl br-exists ${bridge}`,
  parse: (_stdout, exitCode): boolean => {
    if (exitCode === 0) return true;
    if (exitCode === 2) return false;
    throw new FactParseError('ovs.br-exists', `exit code ${exitCode} is neither 0 (exists) nor 2 (absent)`);
  },
  okExitCodes: [0, 2],
});

/** One key of a bridge's external_ids (`br-get-external-id`); null when unset (ovs-vsctl prints nothing). */
export const bridgeExternalId = defineFact({
  name: 'ovs.br-get-external-id',
  command: (bridge: string, key: string) => sh`ovs-vsctl br-get-external-id ${bridge} ${key}`,
  parse: (stdout): string | null => {
    const ls = contentLines(stdout);
    if (ls.length > 1) throw new FactParseError('ovs.br-get-external-id', `expected one value, got ${ls.length} lines: ${show(stdout)}`);
    return ls.length === 0 ? null : (ls[0] ?? '');
  },
});

function names(fact: string, stdout: string): string[] {
  return contentLines(stdout).map((l) => {
    const t = l.trim();
    if (/\s/.test(t)) throw new FactParseError(fact, `not a single name: ${show(l)}`);
    return t;
  });
}

export const bridgePorts = defineFact({
  name: 'ovs.list-ports',
  command: (bridge: string) => sh`ovs-vsctl list-ports ${bridge}`,
  parse: (stdout) => names('ovs.list-ports', stdout),
});

export const bridges = defineFact({
  name: 'ovs.list-br',
  command: () => sh`ovs-vsctl list-br`,
  parse: (stdout) => names('ovs.list-br', stdout),
});

// ---- ovs-vsctl show ----------------------------------------------------------------------------

export interface OvsInterface {
  readonly name: string;
  /** `internal`, `patch`, `vxlan`...; absent for a plain system interface. */
  readonly type?: string;
  readonly error?: string;
  /** Every `key: value` line under the interface. */
  readonly props: Readonly<Record<string, string>>;
}
export interface OvsPort {
  readonly name: string;
  readonly interfaces: readonly OvsInterface[];
  readonly props: Readonly<Record<string, string>>;
}
export interface OvsBridge {
  readonly name: string;
  readonly ports: readonly OvsPort[];
  readonly props: Readonly<Record<string, string>>;
}
export interface OvsShow {
  readonly uuid: string;
  readonly bridges: readonly OvsBridge[];
  readonly ovsVersion?: string;
  readonly props: Readonly<Record<string, string>>;
}

type IfaceB = { name: string; type?: string; error?: string; props: Record<string, string> };
type PortB = { name: string; interfaces: IfaceB[]; props: Record<string, string> };
type BridgeB = { name: string; ports: PortB[]; props: Record<string, string> };

export function parseOvsShow(stdout: string): OvsShow {
  const FACT = 'ovs.show';
  const ls = contentLines(stdout);
  const uuid = (ls[0] ?? '').trim();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) {
    throw new FactParseError(FACT, ls.length === 0 ? 'empty output' : `expected the Open_vSwitch uuid first: ${show(ls[0] ?? '')}`);
  }
  const bad = (line: string): never => {
    throw new FactParseError(FACT, `unexpected line: ${show(line)}`);
  };
  // Older releases quote names that are not plain identifiers: Bridge "br-ex".
  const nameOf = (raw: string, line: string): string =>
    raw.startsWith('"') ? parseOvsScalar(raw, FACT) : /\s/.test(raw) ? bad(line) : raw;
  const bridges: BridgeB[] = [];
  const topProps: Record<string, string> = {};
  let br: { node: BridgeB; indent: number } | undefined;
  let port: { node: PortB; indent: number } | undefined;
  let iface: { node: IfaceB; indent: number } | undefined;
  for (const line of ls.slice(1)) {
    const indent = line.length - line.trimStart().length;
    const t = line.trim();
    if (indent === 0) bad(line);
    const node = /^(Bridge|Port|Interface) (.+)$/.exec(t);
    if (node) {
      const name = nameOf(node[2] ?? '', line);
      if (node[1] === 'Bridge') {
        br = { node: { name, ports: [], props: {} }, indent };
        bridges.push(br.node);
        port = iface = undefined;
      } else if (node[1] === 'Port') {
        if (!br || indent <= br.indent) return bad(line);
        port = { node: { name, interfaces: [], props: {} }, indent };
        br.node.ports.push(port.node);
        iface = undefined;
      } else {
        if (!port || indent <= port.indent) return bad(line);
        iface = { node: { name, props: {} }, indent };
        port.node.interfaces.push(iface.node);
      }
      continue;
    }
    // `key: value`, or `Manager "ptcp:6640"` / `Controller "tcp:..."`: belongs to the nearest enclosing node.
    const kv = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(t) ?? /^(Manager|Controller)\s+(.*)$/.exec(t);
    if (!kv) return bad(line);
    const key = kv[1] ?? '';
    const value = kv[2] ?? '';
    if (iface && indent > iface.indent) {
      iface.node.props[key] = value;
      if (key === 'type') iface.node.type = value;
      if (key === 'error') iface.node.error = value.startsWith('"') ? parseOvsScalar(value, FACT) : value;
    } else if (port && indent > port.indent) {
      port.node.props[key] = value;
      iface = undefined;
    } else if (br && indent > br.indent) {
      br.node.props[key] = value;
      port = iface = undefined;
    } else {
      topProps[key] = value;
      br = port = iface = undefined;
    }
  }
  const version = topProps['ovs_version'];
  return {
    uuid,
    bridges,
    ...(version !== undefined && { ovsVersion: parseOvsScalar(version, FACT) }),
    props: topProps,
  };
}

export const ovsShow = defineFact({
  name: 'ovs.show',
  command: () => sh`ovs-vsctl show`,
  parse: (stdout) => parseOvsShow(stdout),
});

/** The bridge that has a port named `port`, if any. */
export function bridgeOfPort(s: OvsShow, port: string): OvsBridge | undefined {
  return s.bridges.find((b) => b.ports.some((p) => p.name === port));
}

