/** Network interfaces and their addresses, from `ip -j addr` (iproute2's JSON). */
import { defineFact } from '../dsl/fact';
import { sh } from '../dsl/command';
import { FactParseError } from '../errors';
import { show } from './parse';

export interface InterfaceAddress {
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly prefixlen: number;
  /** host, link, global... */
  readonly scope: string;
}

export interface NetInterface {
  readonly name: string;
  readonly index: number;
  readonly mtu: number;
  /** operstate: UP, DOWN, UNKNOWN... */
  readonly state: string;
  readonly flags: readonly string[];
  /** The link-layer address, when it has one. */
  readonly mac?: string;
  readonly addresses: readonly InterfaceAddress[];
}

type Raw = Record<string, unknown>;

function address(name: string, a: Raw): InterfaceAddress {
  if ((a.family !== 'inet' && a.family !== 'inet6') || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') {
    throw new FactParseError('network.interfaces', `${name}: an address without family, local or prefixlen: ${show(JSON.stringify(a))}`);
  }
  return { family: a.family, address: a.local, prefixlen: a.prefixlen, scope: typeof a.scope === 'string' ? a.scope : 'global' };
}

export function parseIpAddr(stdout: string): NetInterface[] {
  const FACT = 'network.interfaces';
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (err) {
    throw new FactParseError(FACT, `not JSON (iproute2 older than 4.14 has no -j): ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new FactParseError(FACT, `expected a JSON array, got ${show(stdout)}`);
  return (data as Raw[])
    .filter((i) => typeof i === 'object' && i !== null && i.ifname !== undefined)
    .map((i) => {
      if (typeof i.ifname !== 'string' || typeof i.ifindex !== 'number') throw new FactParseError(FACT, `an interface without ifname/ifindex: ${show(JSON.stringify(i))}`);
      const addrs = Array.isArray(i.addr_info) ? (i.addr_info as Raw[]).filter((a) => a.family === 'inet' || a.family === 'inet6') : [];
      return {
        name: i.ifname,
        index: i.ifindex,
        mtu: typeof i.mtu === 'number' ? i.mtu : 0,
        state: typeof i.operstate === 'string' ? i.operstate : 'UNKNOWN',
        flags: Array.isArray(i.flags) ? (i.flags as string[]) : [],
        ...(typeof i.address === 'string' ? { mac: i.address } : {}),
        addresses: addrs.map((a) => address(i.ifname as string, a)),
      };
    });
}

/** Every interface with its state, MAC and IPv4/IPv6 addresses. */
export const interfaces = defineFact({
  name: 'network.interfaces',
  command: () => sh`ip -j addr show`,
  parse: (stdout) => parseIpAddr(stdout),
});
