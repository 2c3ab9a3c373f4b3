/**
 * `mstflint -d <pf> query`: firmware version (flashed and running), PSID and friends.
 * Labels are padded to 23 columns; continuation lines (Rom Info) are indented.
 */
import { defineFact, sh, FactParseError } from 'marshal';
import { lines, show } from './text';

const FACT = 'mstflint.query';

export interface GuidRange {
  /** As printed, e.g. `e09d73126744`. */
  readonly raw: string;
  /** How many consecutive addresses the device owns. */
  readonly count: number;
}

export interface MstflintQuery {
  readonly imageType?: string;
  /** The flashed image's version (`FW Version:`). */
  readonly fwVersion: string;
  /** Present only when a newly burned image waits for a reset (`FW Version(Running):`). */
  readonly fwVersionRunning?: string;
  /** The version that counts: the running one when a reset is pending, else the flashed one. */
  readonly runningVersion: string;
  /** True when the flashed image differs from the running one (reset or reboot needed). */
  readonly resetPending: boolean;
  readonly fwReleaseDate?: string;
  readonly productVersion?: string;
  readonly romInfo: readonly string[];
  readonly baseGuid?: GuidRange;
  readonly baseMac?: GuidRange & { readonly address: string };
  readonly imageVsd?: string;
  readonly deviceVsd?: string;
  readonly psid: string;
  readonly securityAttributes: readonly string[];
  /** Every label → value as printed (continuations joined with `\n`), for fields not modelled above. */
  readonly fields: Readonly<Record<string, string>>;
}

const LABEL = /^([A-Za-z][A-Za-z0-9 ()/._-]*?):(?:\s+(.*?))?\s*$/;
const VERSION = /^\d+(\.\d+)+$/;

function guidRange(label: string, value: string): GuidRange {
  const m = /^([0-9a-f]+)\s+(\d+)$/i.exec(value);
  if (!m) throw new FactParseError(FACT, `${label} is not "<hex> <count>": ${show(value)}`);
  return { raw: (m[1] ?? '').toLowerCase(), count: Number(m[2]) };
}

function macFromHex(label: string, hex: string): string {
  if (!/^[0-9a-f]{12}$/.test(hex)) throw new FactParseError(FACT, `${label} is not a 12-digit MAC: ${show(hex)}`);
  return hex.match(/../g)!.join(':');
}

function version(label: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!VERSION.test(value)) throw new FactParseError(FACT, `${label} is not a version: ${show(value)}`);
  return value;
}

export function parseMstflintQuery(stdout: string): MstflintQuery {
  const fields: Record<string, string> = {};
  const order: string[] = [];
  let last: string | undefined;
  for (const line of lines(stdout)) {
    if (line.trim() === '') continue;
    // mstflint reports problems as -E- lines; never mistake them for data.
    if (/^\s*-E-/.test(line)) throw new FactParseError(FACT, `mstflint reported an error: ${show(line.trim())}`);
    if (/^\s/.test(line)) {
      if (last === undefined) throw new FactParseError(FACT, `continuation line before any label: ${show(line)}`);
      fields[last] = `${fields[last]}\n${line.trim()}`;
      continue;
    }
    const m = LABEL.exec(line);
    if (!m) throw new FactParseError(FACT, `unexpected line: ${show(line)}`);
    const label = m[1] ?? '';
    const value = m[2] ?? '';
    // "Description: UID GuidsNumber" is a column header for the GUID/MAC lines, not a value.
    if (label === 'Description' && /^UID\s+GuidsNumber$/.test(value)) {
      last = undefined;
      continue;
    }
    if (label in fields) throw new FactParseError(FACT, `label "${label}" appears twice: ${show(line)}`);
    fields[label] = value;
    order.push(label);
    last = label;
  }
  if (order.length === 0) throw new FactParseError(FACT, 'empty output');

  const fwVersion = version('FW Version', fields['FW Version']);
  if (fwVersion === undefined) throw new FactParseError(FACT, 'no "FW Version:" line');
  const psid = fields['PSID'];
  if (psid === undefined || psid === '') throw new FactParseError(FACT, 'no "PSID:" line');
  const fwVersionRunning = version('FW Version(Running)', fields['FW Version(Running)']);
  const productVersion = fields['Product Version'];
  const baseGuid = fields['Base GUID'] === undefined ? undefined : guidRange('Base GUID', fields['Base GUID']);
  const mac = fields['Base MAC'] === undefined ? undefined : guidRange('Base MAC', fields['Base MAC']);
  return {
    ...(fields['Image type'] !== undefined && { imageType: fields['Image type'] }),
    fwVersion,
    ...(fwVersionRunning !== undefined && { fwVersionRunning }),
    runningVersion: fwVersionRunning ?? fwVersion,
    resetPending: fwVersionRunning !== undefined && compareVersions(fwVersionRunning, fwVersion) !== 0,
    ...(fields['FW Release Date'] !== undefined && { fwReleaseDate: fields['FW Release Date'] }),
    ...(productVersion !== undefined && { productVersion }),
    romInfo: fields['Rom Info'] === undefined ? [] : fields['Rom Info'].split('\n'),
    ...(baseGuid !== undefined && { baseGuid }),
    ...(mac !== undefined && { baseMac: { ...mac, address: macFromHex('Base MAC', mac.raw) } }),
    ...(fields['Image VSD'] !== undefined && { imageVsd: fields['Image VSD'] }),
    ...(fields['Device VSD'] !== undefined && { deviceVsd: fields['Device VSD'] }),
    psid,
    securityAttributes:
      fields['Security Attributes'] === undefined
        ? []
        : fields['Security Attributes'].split(',').map((s) => s.trim()).filter((s) => s !== ''),
    fields,
  };
}

export const mstflintQuery = defineFact({
  name: FACT,
  command: (pf: string) => sh`mstflint -d ${pf} query`,
  parse: (stdout) => parseMstflintQuery(stdout),
});

function components(v: string): number[] {
  const t = v.trim();
  if (!VERSION.test(t) && !/^\d+$/.test(t)) {
    throw new FactParseError('version', `not a dotted numeric version: ${show(v)}`);
  }
  return t.split('.').map(Number);
}

/**
 * Numeric per component (28.36.1010 < 28.40.1000 < 28.43.1014); a missing component
 * counts as 0, so 28.36 == 28.36.0. Returns -1, 0 or 1.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const x = components(a);
  const y = components(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function versionAtLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}

/** The procedure's minimum for CX-7 VF live migration. */
export const MIN_CX7_MIGRATION_FW = '28.36.1010';
