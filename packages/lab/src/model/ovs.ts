/** Open vSwitch as ovs-vsctl sees it: a persistent database and a daemon that reads hw-offload at start. */
import type { OvsState } from './types';

export function ovsStart(ovs: OvsState): void {
  if (ovs.running) return;
  ovs.running = true;
  ovs.offloadActive = ovs.otherConfig['hw-offload'] === 'true';
}

export function ovsStop(ovs: OvsState): void {
  ovs.running = false;
}

/** hw-offload is read when ovs-vswitchd starts: a restart is what makes a new value take effect. */
export function ovsRestart(ovs: OvsState): void {
  ovs.running = false;
  ovsStart(ovs);
}

export function findBridge(ovs: OvsState, name: string) {
  return ovs.bridges.find((b) => b.name === name);
}

/** The bridge holding a port (a bridge's own internal port counts). */
export function bridgeOfPort(ovs: OvsState, port: string) {
  return ovs.bridges.find((b) => b.name === port || b.ports.includes(port));
}

/** The `{k="v", ...}` map form ovs-vsctl prints, keys sorted as OVSDB does. */
export function formatOvsMap(m: Record<string, string>): string {
  const keys = Object.keys(m).sort();
  return `{${keys.map((k) => `${k}=${ovsString(m[k]!)}`).join(', ')}}`;
}

/** OVSDB quotes strings unless they look like a bare identifier (it always quotes for values such as "true" or numbers). */
export function ovsString(v: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(v) && !['true', 'false'].includes(v) ? v : JSON.stringify(v);
}
