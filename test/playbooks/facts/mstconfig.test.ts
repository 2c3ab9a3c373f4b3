import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  mstconfigQuery,
  parseConfigValue,
  parseMstconfigQuery,
  vfMigrationStatus,
} from '../../../playbooks/lib/facts';
import { MSTCONFIG_EXTENDED, MSTCONFIG_QUERY } from './samples';

const EXTENDED_FULL = [
  '',
  'Device #1:',
  '----------',
  '',
  'Device type:    ConnectX7       ',
  'Name:           MCX75310AAS-NEA_Ax',
  'Description:    NVIDIA ConnectX-7 HHHL Adapter Card; 400GbE; Single-port OSFP; PCIe 5.0 x16',
  'Device:         0000:e1:00.0    ',
  '',
  'Configurations:                              Default         Current         Next Boot',
  '         NUM_OF_VFS                          0               8               8               ',
  '         SRIOV_EN                            False(0)        True(1)         True(1)         ',
  '         VF_MIGRATION_MODE                   DEVICE_DEFAULT(0) MIGRATION_ENABLED(2) MIGRATION_ENABLED(2)',
  "The '*' shows parameters with next value different from default/current value.",
  '',
].join('\n');

describe('mstconfig query', () => {
  it('parses the plain Next Boot table with its padding', () => {
    const q = parseMstconfigQuery(MSTCONFIG_QUERY);
    expect(q.device).toEqual({
      type: 'ConnectX7',
      name: 'MCX75310AAS-NEA_Ax',
      description: 'NVIDIA ConnectX-7 HHHL Adapter Card; 400GbE; Single-port OSFP; PCIe 5.0 x16',
      device: '0000:e1:00.0',
    });
    expect(q.columns).toEqual(['next']);
    expect(Object.keys(q.params)).toEqual(['NUM_OF_VFS', 'SRIOV_EN', 'VF_MIGRATION_MODE', 'LINK_TYPE_P1']);
    expect(q.params['NUM_OF_VFS']).toEqual({ name: 'NUM_OF_VFS', next: { raw: '8', value: 8 }, marked: false });
    expect(q.params['SRIOV_EN']?.next).toEqual({ raw: 'True(1)', name: 'True', value: 1 });
    expect(q.params['VF_MIGRATION_MODE']?.next).toEqual({ raw: 'MIGRATION_ENABLED(2)', name: 'MIGRATION_ENABLED', value: 2 });
    expect(q.params['VF_MIGRATION_MODE']?.current).toBeUndefined();
    expect(q.params['LINK_TYPE_P1']?.next).toEqual({ raw: 'ETH(2)', name: 'ETH', value: 2 });
  });

  it('parses the -e three-column table with the * marker', () => {
    const q = parseMstconfigQuery(MSTCONFIG_EXTENDED);
    expect(q.columns).toEqual(['default', 'current', 'next']);
    expect(q.device).toEqual({});
    expect(q.params['VF_MIGRATION_MODE']).toEqual({
      name: 'VF_MIGRATION_MODE',
      default: { raw: 'DEVICE_DEFAULT(0)', name: 'DEVICE_DEFAULT', value: 0 },
      current: { raw: 'DEVICE_DEFAULT(0)', name: 'DEVICE_DEFAULT', value: 0 },
      next: { raw: 'MIGRATION_ENABLED(2)', name: 'MIGRATION_ENABLED', value: 2 },
      marked: true,
    });
  });

  it('tells enabled-and-in-effect from pending, unknown, disabled and absent', () => {
    expect(vfMigrationStatus(parseMstconfigQuery(MSTCONFIG_EXTENDED))).toMatchObject({ state: 'pending', inEffect: false, nextBoot: true });
    expect(vfMigrationStatus(parseMstconfigQuery(EXTENDED_FULL))).toMatchObject({ state: 'enabled', inEffect: true, nextBoot: true });
    expect(vfMigrationStatus(parseMstconfigQuery(MSTCONFIG_QUERY))).toMatchObject({ state: 'unknown', inEffect: undefined, nextBoot: true });
    const disabling = EXTENDED_FULL.replace(
      'DEVICE_DEFAULT(0) MIGRATION_ENABLED(2) MIGRATION_ENABLED(2)',
      'DEVICE_DEFAULT(0) MIGRATION_ENABLED(2) MIGRATION_DISABLED(1)',
    );
    expect(vfMigrationStatus(parseMstconfigQuery(disabling))).toMatchObject({ state: 'disabling', inEffect: true, nextBoot: false });
    const disabled = MSTCONFIG_QUERY.replace('MIGRATION_ENABLED(2)', 'MIGRATION_DISABLED(1)');
    expect(vfMigrationStatus(parseMstconfigQuery(disabled))).toMatchObject({ state: 'disabled', nextBoot: false });
    const absent = MSTCONFIG_QUERY.replace(/^.*VF_MIGRATION_MODE.*\n/m, '');
    expect(vfMigrationStatus(parseMstconfigQuery(absent))).toEqual({ state: 'absent', inEffect: false, nextBoot: false });
  });

  it('keeps -W-/-I- notes and refuses -E- lines', () => {
    const q = parseMstconfigQuery(`-W- Some warning\n${MSTCONFIG_QUERY}`);
    expect(q.notes).toEqual(['-W- Some warning']);
    expect(() => parseMstconfigQuery('-E- Failed to open device: 0000:e1:00.0\n')).toThrow(
      'mstconfig.query: mstconfig reported an error: "-E- Failed to open device: 0000:e1:00.0"',
    );
  });

  it('refuses malformed tables, quoting the line', () => {
    expect(() => parseMstconfigQuery('')).toThrow('mstconfig.query: empty output');
    expect(() => parseMstconfigQuery('\nDevice #1:\n----------\n')).toThrow(/no "Configurations:" table/);
    expect(() => parseMstconfigQuery(MSTCONFIG_EXTENDED.replace('DEVICE_DEFAULT(0) DEVICE_DEFAULT(0) ', ''))).toThrow(
      /VF_MIGRATION_MODE: expected 3 value\(s\) \(default, current, next\), got 1/,
    );
    expect(() => parseMstconfigQuery(MSTCONFIG_QUERY.replace('Next Boot', 'Later'))).toThrow(/unknown table header/);
    expect(() => parseMstconfigQuery(`${MSTCONFIG_QUERY}        !!!\n`)).toThrow(/unexpected line in the configuration table: "        !!!"/);
    expect(() => parseMstconfigQuery(`${MSTCONFIG_QUERY}\nDevice #2:\n`)).toThrow(FactParseError);
    expect(() => parseMstconfigQuery(`Hello\n${MSTCONFIG_QUERY}`)).toThrow(/before the configuration table: "Hello"/);
  });

  it('parses values: enums, integers and the rest', () => {
    expect(parseConfigValue('MIGRATION_ENABLED(2)')).toEqual({ raw: 'MIGRATION_ENABLED(2)', name: 'MIGRATION_ENABLED', value: 2 });
    expect(parseConfigValue('16')).toEqual({ raw: '16', value: 16 });
    expect(parseConfigValue('Array[0..7]')).toEqual({ raw: 'Array[0..7]' });
  });

  it('queries with -e unless asked not to', () => {
    expect(mstconfigQuery.command('0000:e1:00.0').text).toBe('mstconfig -e -d 0000:e1:00.0 query');
    expect(mstconfigQuery.command('0000:e1:00.0', { extended: false }).text).toBe('mstconfig -d 0000:e1:00.0 query');
  });
});
