import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  bridgeExists,
  bridgeOfPort,
  bridgePorts,
  ovsOtherConfig,
  ovsOtherConfigValue,
  parseOvsMap,
  parseOvsScalar,
  parseOvsShow,
} from '../../../playbooks/lib/facts';
import { OVS_HW_OFFLOAD_VALUE, OVS_OTHER_CONFIG, OVS_SHOW } from './samples';

describe('ovs-vsctl show', () => {
  it('parses bridges, ports, interfaces and the version', () => {
    const s = parseOvsShow(OVS_SHOW);
    expect(s.uuid).toBe('32549dde-d67b-430c-b183-980a32143c8f');
    expect(s.ovsVersion).toBe('2.17.9');
    expect(s.bridges).toEqual([
      {
        name: 'ovs-sriov',
        props: {},
        ports: [
          { name: 'enp225s0npf0vf0', props: {}, interfaces: [{ name: 'enp225s0npf0vf0', props: {} }] },
          { name: 'ovs-sriov', props: {}, interfaces: [{ name: 'ovs-sriov', type: 'internal', props: { type: 'internal' } }] },
          { name: 'enp225s0np0', props: {}, interfaces: [{ name: 'enp225s0np0', props: {} }] },
        ],
      },
    ]);
    expect(bridgeOfPort(s, 'enp225s0np0')?.name).toBe('ovs-sriov');
    expect(bridgeOfPort(s, 'eth9')).toBeUndefined();
  });

  it('handles no bridges, quoted names, managers and interface errors', () => {
    expect(parseOvsShow('32549dde-d67b-430c-b183-980a32143c8f\n    ovs_version: "3.1.0"\n')).toMatchObject({ bridges: [], ovsVersion: '3.1.0' });
    const s = parseOvsShow(
      [
        '32549dde-d67b-430c-b183-980a32143c8f',
        '    Manager "ptcp:6640"',
        '    Bridge "br-ex"',
        '        fail_mode: secure',
        '        Port "eth1"',
        '            tag: 100',
        '            Interface "eth1"',
        '                error: "could not open network device eth1 (No such device)"',
        '    Bridge br1',
        '        Port br1',
        '            Interface br1',
        '                type: internal',
        '    ovs_version: "2.17.9"',
        '',
      ].join('\n'),
    );
    expect(s.props['Manager']).toBe('"ptcp:6640"');
    expect(s.bridges.map((b) => b.name)).toEqual(['br-ex', 'br1']);
    expect(s.bridges[0]?.props).toEqual({ fail_mode: 'secure' });
    expect(s.bridges[0]?.ports[0]?.props).toEqual({ tag: '100' });
    expect(s.bridges[0]?.ports[0]?.interfaces[0]?.error).toBe('could not open network device eth1 (No such device)');
    expect(s.bridges[1]?.ports[0]?.interfaces[0]?.type).toBe('internal');
  });

  it('refuses other text, quoting the line', () => {
    expect(() => parseOvsShow('')).toThrow('ovs.show: empty output');
    expect(() => parseOvsShow('ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n')).toThrow(
      /expected the Open_vSwitch uuid first/,
    );
    expect(() => parseOvsShow(`${OVS_SHOW}        Interface orphan\n`)).toThrow(/unexpected line: "        Interface orphan"/);
    expect(() => parseOvsShow(`${OVS_SHOW}garbage\n`)).toThrow(/unexpected line: "garbage"/);
    expect(() => parseOvsShow('32549dde-d67b-430c-b183-980a32143c8f\n        Port p\n')).toThrow(/unexpected line/);
  });
});

describe('ovsdb values', () => {
  it('parses the other_config map', () => {
    expect(parseOvsMap(OVS_OTHER_CONFIG)).toEqual({ 'hw-offload': 'true', 'max-idle': '300000' });
    expect(ovsOtherConfig.parse('{}\n', 0, '')).toEqual({});
    expect(parseOvsMap('{a=b, "k y"="v \\"q\\"", n=1}')).toEqual({ a: 'b', 'k y': 'v "q"', n: '1' });
  });

  it('parses a single value, null when unset', () => {
    expect(parseOvsScalar(OVS_HW_OFFLOAD_VALUE)).toBe('true');
    expect(ovsOtherConfigValue.parse(`${OVS_HW_OFFLOAD_VALUE}\n`, 0, '')).toBe('true');
    expect(ovsOtherConfigValue.parse('\n', 0, '')).toBeNull();
    expect(ovsOtherConfigValue.parse('', 0, '')).toBeNull();
    expect(ovsOtherConfigValue.command('hw-offload').text).toBe('ovs-vsctl --if-exists get Open_vSwitch . other_config:hw-offload');
  });

  it('refuses malformed maps and values', () => {
    expect(() => parseOvsMap('hw-offload=true')).toThrow(/not an ovsdb map/);
    expect(() => parseOvsMap('{hw-offload}')).toThrow(/expected = after key "hw-offload"/);
    expect(() => parseOvsMap('{a="b}')).toThrow(/unterminated quoted string/);
    expect(() => parseOvsMap('{a=b c=d}')).toThrow(FactParseError);
    expect(() => parseOvsMap('{a=b, a=c}')).toThrow(/appears twice/);
    expect(() => parseOvsScalar('"true" extra')).toThrow(/trailing text/);
  });
});

describe('bridges and ports', () => {
  it('br-exists answers with its exit code', () => {
    expect(bridgeExists.okExitCodes).toEqual([0, 2]);
    expect(bridgeExists.parse('', 0, '')).toBe(true);
    expect(bridgeExists.parse('', 2, '')).toBe(false);
    expect(() => bridgeExists.parse('', 1, 'ovs-vsctl: database connection failed')).toThrow(/exit code 1/);
    expect(bridgeExists.command('ovs-sriov').text).toBe('ovs-vsctl br-exists ovs-sriov');
  });

  it('list-ports prints one per line', () => {
    expect(bridgePorts.parse('enp225s0np0\nenp225s0npf0vf0\n', 0, '')).toEqual(['enp225s0np0', 'enp225s0npf0vf0']);
    expect(bridgePorts.parse('', 0, '')).toEqual([]);
    expect(() => bridgePorts.parse('two words\n', 0, '')).toThrow(/not a single name/);
  });
});
