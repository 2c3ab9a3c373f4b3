/** One systemd unit's state (`systemctl show`), for ops.service. */
import { defineFact } from '../dsl/fact';
import { sh } from '../dsl/command';
import { FactParseError } from '../errors';
import { lines, show } from './parse';

export interface UnitStatus {
  /** loaded, not-found, masked, error... */
  readonly load: string;
  /** active, inactive, failed, activating, deactivating, reloading. */
  readonly active: string;
  /** running, exited, dead... */
  readonly sub: string;
  /** enabled, disabled, static, masked, ... ('' when systemd has no unit file for it). */
  readonly unitFile: string;
  /** The unit file changed on disk since systemd loaded it: `systemctl daemon-reload` is due. */
  readonly needDaemonReload: boolean;
}

const PROPS = ['LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'NeedDaemonReload'] as const;

/** Pure: `Key=value` lines of `systemctl show --property=...` (in systemd's order, not the asked one). */
export function parseUnitStatus(stdout: string): UnitStatus {
  const FACT = 'service.status';
  const p: Record<string, string> = {};
  for (const l of lines(stdout)) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(l);
    if (!m) throw new FactParseError(FACT, `not a Key=value line of systemctl show: ${show(l)}`);
    p[m[1]!] = m[2]!;
  }
  const missing = PROPS.filter((k) => k !== 'UnitFileState' && k !== 'NeedDaemonReload' && p[k] === undefined);
  if (missing.length > 0) throw new FactParseError(FACT, `systemctl show gave no ${missing.join(', ')}: ${show(stdout)}`);
  return { load: p.LoadState!, active: p.ActiveState!, sub: p.SubState!, unitFile: p.UnitFileState ?? '', needDaemonReload: p.NeedDaemonReload === 'yes' };
}

/** A unit's load, active, sub and unit-file state (`systemctl show`); a unit systemd does not know has load `not-found`. */
export const unitStatus = defineFact({
  name: 'service.status',
  command: (unit: string) => sh`systemctl show --no-pager --property=${PROPS.join(',')} -- ${unit}`,
  parse: (stdout) => parseUnitStatus(stdout),
});
