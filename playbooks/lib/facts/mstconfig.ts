/**
 * `mstconfig -d <pf> query` (one "Next Boot" column) and `mstconfig -e -d <pf> query`
 * ("Default Current Next Boot", with `*` marking parameters whose next value differs).
 * Values like `MIGRATION_ENABLED(2)` are enums: a name and the number firmware stores.
 */
import { defineFact, sh, FactParseError } from 'marshal';
import { lines, show } from './text';

const FACT = 'mstconfig.query';

export interface ConfigValue {
  /** As printed: `MIGRATION_ENABLED(2)`, `True(1)`, `8`, `Array[0..7]`. */
  readonly raw: string;
  /** Enum name, when the value is `NAME(n)`. */
  readonly name?: string;
  /** The number firmware stores, for enums and plain integers. */
  readonly value?: number;
}

export interface ConfigParam {
  readonly name: string;
  /** Only with `-e`. */
  readonly default?: ConfigValue;
  /** Only with `-e`: the value in effect now. */
  readonly current?: ConfigValue;
  /** The value after the next firmware reset or cold reboot. */
  readonly next: ConfigValue;
  /** The `-e` table's leading `*`: next differs from default/current. */
  readonly marked: boolean;
}

export type ConfigColumn = 'default' | 'current' | 'next';

export interface MstconfigQuery {
  readonly device: {
    readonly type?: string;
    readonly name?: string;
    readonly description?: string;
    /** The `Device:` line, e.g. `0000:e1:00.0`. */
    readonly device?: string;
  };
  readonly columns: readonly ConfigColumn[];
  readonly params: Readonly<Record<string, ConfigParam>>;
  /** `-W-`/`-I-` lines mstconfig printed along the way. */
  readonly notes: readonly string[];
}

export function parseConfigValue(raw: string): ConfigValue {
  const enumMatch = /^(.+)\((-?\d+)\)$/.exec(raw);
  if (enumMatch) return { raw, name: enumMatch[1] ?? '', value: Number(enumMatch[2]) };
  if (/^\d+$/.test(raw)) return { raw, value: Number(raw) };
  return { raw };
}

function headerColumns(rest: string, line: string): ConfigColumn[] {
  const words = rest.trim().replace(/\s+/g, ' ');
  const known: Record<string, ConfigColumn[]> = {
    'Next Boot': ['next'],
    'Current Next Boot': ['current', 'next'],
    'Default Current Next Boot': ['default', 'current', 'next'],
  };
  const cols = known[words];
  if (!cols) throw new FactParseError(FACT, `unknown table header: ${show(line)}`);
  return cols;
}

// Parameter rows are indented (or start with `*`) and named in upper case, e.g. VF_MIGRATION_MODE.
const PARAM = /^(\*)?\s+([A-Z][A-Z0-9_]*(?:\[\d+(?:\.\.\d+)?\])?)\s+(\S.*?)\s*$/;
const FOOTER = /^The '\*' shows parameters/;

export function parseMstconfigQuery(stdout: string): MstconfigQuery {
  const device: Record<string, string> = {};
  const params: Record<string, ConfigParam> = {};
  const notes: string[] = [];
  let columns: ConfigColumn[] | undefined;
  let devices = 0;
  for (const line of lines(stdout)) {
    const t = line.trim();
    if (t === '') continue;
    if (t.startsWith('-E-')) throw new FactParseError(FACT, `mstconfig reported an error: ${show(t)}`);
    if (t.startsWith('-W-') || t.startsWith('-I-')) {
      notes.push(t);
      continue;
    }
    if (columns === undefined) {
      if (/^Device #\d+:$/.test(t)) {
        // One device per query (-d); a second would silently mix parameters.
        if (++devices > 1) throw new FactParseError(FACT, `more than one device in the output: ${show(line)}`);
        continue;
      }
      if (/^-+$/.test(t)) continue;
      const cfg = /^Configurations:(.*)$/.exec(t);
      if (cfg) {
        columns = headerColumns(cfg[1] ?? '', line);
        continue;
      }
      const kv = /^(Device type|Name|Description|Device|PCI device):\s*(.*)$/.exec(t);
      if (kv) {
        const key = kv[1] === 'Device type' ? 'type' : kv[1] === 'Name' ? 'name' : kv[1] === 'Description' ? 'description' : 'device';
        device[key] = (kv[2] ?? '').trim();
        continue;
      }
      throw new FactParseError(FACT, `unexpected line before the configuration table: ${show(line)}`);
    }
    if (FOOTER.test(t)) continue;
    if (/^Device #\d+:$/.test(t)) throw new FactParseError(FACT, `more than one device in the output: ${show(line)}`);
    const m = PARAM.exec(line);
    if (!m) throw new FactParseError(FACT, `unexpected line in the configuration table: ${show(line)}`);
    const name = m[2] ?? '';
    const values = (m[3] ?? '').split(/\s+/);
    if (values.length !== columns.length) {
      throw new FactParseError(
        FACT,
        `${name}: expected ${columns.length} value(s) (${columns.join(', ')}), got ${values.length}: ${show(line)}`,
      );
    }
    if (name in params) throw new FactParseError(FACT, `${name} listed twice: ${show(line)}`);
    const byColumn: Partial<Record<ConfigColumn, ConfigValue>> = {};
    columns.forEach((c, i) => (byColumn[c] = parseConfigValue(values[i] ?? '')));
    params[name] = {
      name,
      ...(byColumn.default && { default: byColumn.default }),
      ...(byColumn.current && { current: byColumn.current }),
      next: byColumn.next!,
      marked: m[1] === '*',
    };
  }
  if (columns === undefined) {
    throw new FactParseError(FACT, stdout.trim() === '' ? 'empty output' : 'no "Configurations:" table in the output');
  }
  return { device, columns, params, notes };
}

export const mstconfigQuery = defineFact({
  name: FACT,
  // -e by default: only the Current column says whether a setting is in effect.
  command: (pf: string, opts: { extended?: boolean } = {}) =>
    opts.extended === false ? sh`mstconfig -d ${pf} query` : sh`mstconfig -e -d ${pf} query`,
  parse: (stdout) => parseMstconfigQuery(stdout),
});

export const VF_MIGRATION_ENABLED = 2;

/**
 * Where VF_MIGRATION_MODE stands:
 * - absent: the firmware does not list it (no VF migration support);
 * - enabled: in effect now and after the next reset;
 * - pending: set for next boot, not yet in effect (needs mstfwreset or a cold reboot);
 * - unknown: set for next boot, but the query had no Current column (run it with -e);
 * - disabling: in effect now, but the next boot turns it off;
 * - disabled: neither in effect nor set.
 */
export type VfMigrationState = 'absent' | 'enabled' | 'pending' | 'unknown' | 'disabling' | 'disabled';

export interface VfMigrationStatus {
  readonly state: VfMigrationState;
  /** True when the running firmware has it on (only knowable from an `-e` query). */
  readonly inEffect: boolean | undefined;
  /** True when the next boot has it on. */
  readonly nextBoot: boolean;
  readonly param?: ConfigParam;
}

export function vfMigrationStatus(q: MstconfigQuery): VfMigrationStatus {
  const param = q.params['VF_MIGRATION_MODE'];
  if (!param) return { state: 'absent', inEffect: false, nextBoot: false };
  const nextBoot = param.next.value === VF_MIGRATION_ENABLED;
  const inEffect = param.current === undefined ? undefined : param.current.value === VF_MIGRATION_ENABLED;
  const state: VfMigrationState =
    inEffect === undefined
      ? nextBoot
        ? 'unknown'
        : 'disabled'
      : inEffect
        ? nextBoot
          ? 'enabled'
          : 'disabling'
        : nextBoot
          ? 'pending'
          : 'disabled';
  return { state, inEffect, nextBoot, param };
}
