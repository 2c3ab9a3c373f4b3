import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  compareVersions,
  MIN_CX7_MIGRATION_FW,
  mstflintQuery,
  parseMstflintQuery,
  versionAtLeast,
} from '../../../playbooks/lib/facts';
import { MSTFLINT_QUERY, MSTFLINT_RUNNING_LINE, PSID_GREP_LINE } from './samples';

describe('mstflint query', () => {
  it('parses the real ConnectX-7 capture', () => {
    const q = parseMstflintQuery(MSTFLINT_QUERY);
    expect(q).toMatchObject({
      imageType: 'FS4',
      fwVersion: '28.43.1014',
      runningVersion: '28.43.1014',
      resetPending: false,
      fwReleaseDate: '7.11.2024',
      productVersion: '28.43.1014',
      romInfo: ['type=UEFI version=14.36.16 cpu=AMD64,AARCH64', 'type=PXE version=3.7.500 cpu=AMD64'],
      baseGuid: { raw: 'e09d730300126744', count: 16 },
      baseMac: { raw: 'e09d73126744', count: 16, address: 'e0:9d:73:12:67:44' },
      imageVsd: 'N/A',
      deviceVsd: 'N/A',
      psid: 'MT_0000001244',
      securityAttributes: ['secure-fw'],
    });
    expect(q.fwVersionRunning).toBeUndefined();
    expect(q.fields['Description']).toBeUndefined(); // the UID/GuidsNumber header is not a value
  });

  it('takes the running version when a new image waits for a reset', () => {
    const pending = MSTFLINT_QUERY.replace('FW Version:            28.43.1014\n', `FW Version:            28.43.1014\n${MSTFLINT_RUNNING_LINE}\n`);
    const q = parseMstflintQuery(pending);
    expect(q.fwVersion).toBe('28.43.1014');
    expect(q.fwVersionRunning).toBe('28.36.1010');
    expect(q.runningVersion).toBe('28.36.1010');
    expect(q.resetPending).toBe(true);
  });

  it('reads the PSID from the line the procedure greps for', () => {
    const q = parseMstflintQuery(`FW Version: 28.36.1010\n${PSID_GREP_LINE}\n`);
    expect(q.psid).toBe('MT_1090111019');
    expect(q.romInfo).toEqual([]);
  });

  it('keeps a product Description apart from the UID/GuidsNumber header (newer mstflint)', () => {
    const newer = MSTFLINT_QUERY.replace(
      'Product Version:',
      'Part Number:           MCX75310AAS-NEA_Ax\nDescription:           NVIDIA ConnectX-7 HHHL Adapter Card; 400GbE\nProduct Version:',
    );
    const q = parseMstflintQuery(newer);
    expect(q.fields['Description']).toBe('NVIDIA ConnectX-7 HHHL Adapter Card; 400GbE');
    expect(q.fields['Part Number']).toBe('MCX75310AAS-NEA_Ax');
    expect(q.baseMac?.address).toBe('e0:9d:73:12:67:44');
  });

  it('tolerates CRLF and trailing spaces', () => {
    const q = parseMstflintQuery(MSTFLINT_QUERY.replace(/\n/g, '  \r\n'));
    expect(q.psid).toBe('MT_0000001244');
    expect(q.fwVersion).toBe('28.43.1014');
  });

  it('refuses output it does not understand, quoting the line', () => {
    expect(() => parseMstflintQuery('')).toThrow('mstflint.query: empty output');
    expect(() => parseMstflintQuery(MSTFLINT_QUERY.replace(/^PSID:.*\n/m, ''))).toThrow(/no "PSID:" line/);
    expect(() => parseMstflintQuery(MSTFLINT_QUERY.replace(/^FW Version:.*\n/m, ''))).toThrow(/no "FW Version:" line/);
    expect(() => parseMstflintQuery(MSTFLINT_QUERY.replace('28.43.1014', 'unknown'))).toThrow(/FW Version is not a version: "unknown"/);
    expect(() => parseMstflintQuery('-E- Cannot open Device: 0000:e1:00.0. No such file or directory\n')).toThrow(
      /mstflint reported an error: "-E- Cannot open Device/,
    );
    expect(() => parseMstflintQuery(`${MSTFLINT_QUERY}garbage line\n`)).toThrow(/unexpected line: "garbage line"/);
    expect(() => parseMstflintQuery(`   indented first\n${MSTFLINT_QUERY}`)).toThrow(FactParseError);
  });

  it('builds a quoted read-only command', () => {
    expect(mstflintQuery.command('0000:e1:00.0').text).toBe('mstflint -d 0000:e1:00.0 query');
    expect(mstflintQuery.command('x; reboot').text).toBe("mstflint -d 'x; reboot' query");
  });
});

describe('version comparison', () => {
  it('is numeric per component', () => {
    expect(compareVersions('28.36.1010', '28.40.1000')).toBe(-1);
    expect(compareVersions('28.40.1000', '28.43.1014')).toBe(-1);
    expect(compareVersions('28.43.1014', '28.36.1010')).toBe(1);
    expect(compareVersions('28.9.1', '28.10.0')).toBe(-1); // not lexicographic
    expect(compareVersions('28.36', '28.36.0')).toBe(0);
    expect(versionAtLeast('28.43.1014', MIN_CX7_MIGRATION_FW)).toBe(true);
    expect(versionAtLeast('28.36.1010', MIN_CX7_MIGRATION_FW)).toBe(true);
    expect(versionAtLeast('28.35.9999', MIN_CX7_MIGRATION_FW)).toBe(false);
  });

  it('refuses non-versions', () => {
    expect(() => compareVersions('28.x', '28.1')).toThrow('version: not a dotted numeric version: "28.x"');
    expect(() => compareVersions('', '1')).toThrow(FactParseError);
  });

  const parts = fc.array(fc.integer({ min: 0, max: 99999 }), { minLength: 1, maxLength: 4 });
  const v = (p: number[]) => p.join('.');
  const tupleCompare = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d) return Math.sign(d);
    }
    return 0;
  };

  it('agrees with tuple order, is antisymmetric and reflexive (property)', () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        expect(compareVersions(v(a), v(b))).toBe(tupleCompare(a, b));
        expect(compareVersions(v(b), v(a))).toBe(-compareVersions(v(a), v(b)) || 0);
        expect(compareVersions(v(a), v(a))).toBe(0);
        expect(versionAtLeast(v(a), v(b))).toBe(tupleCompare(a, b) >= 0);
      }),
    );
  });

  it('is transitive (property)', () => {
    fc.assert(
      fc.property(parts, parts, parts, (a, b, c) => {
        const sorted = [v(a), v(b), v(c)].sort(compareVersions);
        expect(compareVersions(sorted[0]!, sorted[1]!)).toBeLessThanOrEqual(0);
        expect(compareVersions(sorted[1]!, sorted[2]!)).toBeLessThanOrEqual(0);
        expect(compareVersions(sorted[0]!, sorted[2]!)).toBeLessThanOrEqual(0);
      }),
    );
  });
});
