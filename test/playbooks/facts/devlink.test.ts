import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  devlinkPort,
  devlinkPorts,
  eswitch,
  eswitchMode,
  isMigrationUnsupported,
  parseDevlinkPorts,
  parseDevlinkPortsJson,
  parseDevlinkPortsText,
  parseEswitch,
  parseIproute2Error,
  uplinkPort,
  vfPort,
} from '../../../playbooks/lib/facts';
import {
  DEVLINK_ESWITCH_LEGACY_ANNOTATED,
  DEVLINK_ESWITCH_SWITCHDEV,
  DEVLINK_KERNEL_ANSWER,
  DEVLINK_MIGRATION_ERROR,
  DEVLINK_PORT_UPLINK,
  DEVLINK_PORT_VF,
} from './samples';

// The reference annotates the legacy line with "(before step 1)"; the tool prints the part before it.
const ESWITCH_LEGACY = `${DEVLINK_ESWITCH_LEGACY_ANNOTATED.replace(/\s+\(before step 1\)$/, '')}\n`;

// The reference's -j sample elides fields with "..."; this is the same port with them filled in.
const PORT_VF_JSON =
  '{"port":{"pci/0000:e1:00.0/1":{"type":"eth","netdev":"enp225s0npf0vf0","flavour":"pcivf","controller":0,"pfnum":0,"vfnum":0,"external":false,"splittable":false,"function":{"hw_addr":"00:00:00:00:00:00","roce":"enable","migratable":"enable"}}}}\n';

describe('devlink eswitch', () => {
  it('parses switchdev and legacy', () => {
    expect(parseEswitch(DEVLINK_ESWITCH_SWITCHDEV)).toEqual({
      handle: 'pci/0000:e1:00.0',
      mode: 'switchdev',
      inlineMode: 'none',
      encapMode: 'basic',
    });
    expect(parseEswitch(ESWITCH_LEGACY)).toEqual({ handle: 'pci/0000:e1:00.0', mode: 'legacy', inlineMode: 'link', encapMode: 'basic' });
    expect(eswitchMode.parse(DEVLINK_ESWITCH_SWITCHDEV, 0, '')).toBe('switchdev');
    expect(parseEswitch('pci/0000:e1:00.0: mode switchdev\n')).toEqual({ handle: 'pci/0000:e1:00.0', mode: 'switchdev' });
  });

  it('refuses what it does not understand, quoting it', () => {
    expect(() => parseEswitch('')).toThrow('devlink.eswitch: empty output');
    expect(() => parseEswitch(DEVLINK_ESWITCH_LEGACY_ANNOTATED)).toThrow(/expected "key value" pairs/);
    expect(() => parseEswitch('pci/0000:e1:00.0: mode turbo inline-mode none\n')).toThrow(/mode is "turbo", expected legacy or switchdev/);
    expect(() => parseEswitch('pci/0000:e1:00.0: inline-mode none encap-mode basic\n')).toThrow(/mode is missing/);
    expect(() => parseEswitch(DEVLINK_ESWITCH_SWITCHDEV + ESWITCH_LEGACY)).toThrow(/expected one line, got 2/);
    expect(() => parseEswitch('mode switchdev\n')).toThrow(FactParseError);
  });

  it('builds quoted commands', () => {
    expect(eswitch.command('0000:e1:00.0').text).toBe('devlink dev eswitch show pci/0000:e1:00.0');
    expect(eswitchMode.command("0000:e1:00.0'").text).toBe("devlink dev eswitch show pci/'0000:e1:00.0'\\'''");
  });
});

describe('devlink ports', () => {
  it('parses the VF port text with its function block', () => {
    const [p, ...rest] = parseDevlinkPortsText(DEVLINK_PORT_VF);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      handle: 'pci/0000:e1:00.0/1',
      device: 'pci/0000:e1:00.0',
      pci: '0000:e1:00.0',
      index: 1,
      type: 'eth',
      netdev: 'enp225s0npf0vf0',
      flavour: 'pcivf',
      pfnum: 0,
      vfnum: 0,
      function: { hw_addr: '00:00:00:00:00:00', roce: true, migratable: false },
    });
  });

  it('parses the uplink port', () => {
    const [p] = parseDevlinkPortsText(DEVLINK_PORT_UPLINK);
    expect(p).toMatchObject({ index: 65535, netdev: 'enp225s0np0', flavour: 'physical', port: 0, splittable: false });
    expect(p?.function).toBeUndefined();
  });

  it('leaves migratable undefined when the firmware capability is not active', () => {
    const text = DEVLINK_PORT_VF.replace(' migratable disable', '');
    const [p] = parseDevlinkPorts(text);
    expect(p?.function?.migratable).toBeUndefined();
    expect(p?.function?.roce).toBe(true);
  });

  it('reads a full listing of several ports, deeper indentation included', () => {
    const text = `${DEVLINK_PORT_UPLINK}${DEVLINK_PORT_VF.replace('    hw_addr', '      hw_addr')}`;
    const ports = parseDevlinkPorts(text);
    expect(ports.map((p) => p.index)).toEqual([65535, 1]);
    expect(uplinkPort(ports, '0000:e1:00.0')?.netdev).toBe('enp225s0np0');
    expect(vfPort(ports, '0000:e1:00.0', 0)?.netdev).toBe('enp225s0npf0vf0');
    expect(vfPort(ports, '0000:e1:00.0', 1)).toBeUndefined();
    expect(vfPort(ports, '0000:37:00.0', 0)).toBeUndefined();
  });

  it('gives the same port from JSON as from text', () => {
    const fromJson = parseDevlinkPortsJson(PORT_VF_JSON);
    const fromText = parseDevlinkPortsText(DEVLINK_PORT_VF.replace('migratable disable', 'migratable enable'));
    expect(fromJson[0]?.function).toMatchObject({ hw_addr: '00:00:00:00:00:00', roce: true, migratable: true });
    const { attrs: _a, function: fa, ...j } = fromJson[0]!;
    const { attrs: _b, function: fb, ...t } = fromText[0]!;
    expect(t).toMatchObject({ handle: j.handle, index: j.index, netdev: j.netdev, flavour: j.flavour, pfnum: j.pfnum, vfnum: j.vfnum });
    expect(fa?.migratable).toBe(fb?.migratable);
    expect(j).toMatchObject({ controller: 0, external: false, splittable: false });
    expect(devlinkPort.parse(PORT_VF_JSON, 0, '').index).toBe(1);
  });

  it('handles an empty listing (legacy mode has no VF ports)', () => {
    expect(parseDevlinkPorts('{"port":{}}\n')).toEqual([]);
    expect(parseDevlinkPorts('')).toEqual([]);
    expect(() => devlinkPort.parse('{"port":{}}', 0, '')).toThrow('devlink.port: expected one port, got 0');
  });

  it('refuses malformed text and JSON', () => {
    expect(() => parseDevlinkPortsText('    function:\n')).toThrow(/indented line before any port/);
    expect(() => parseDevlinkPortsText(DEVLINK_PORT_VF.replace('vfnum 0', 'vfnum'))).toThrow(/expected "key value" pairs/);
    expect(() => parseDevlinkPortsText(DEVLINK_PORT_VF.replace('migratable disable', 'migratable maybe'))).toThrow(
      /migratable is "maybe", expected enable or disable/,
    );
    expect(() => parseDevlinkPortsText(DEVLINK_PORT_UPLINK.replace('pci/0000:e1:00.0/65535', 'pci/0000:e1:00.0'))).toThrow(
      /not a port handle/,
    );
    expect(() => parseDevlinkPortsText(`${DEVLINK_PORT_UPLINK}    splittable true\n`)).toThrow(/outside a function block/);
    expect(() => parseDevlinkPortsText(DEVLINK_PORT_VF.replace('pfnum 0', 'pfnum zero'))).toThrow(/pfnum is not a number/);
    expect(() => parseDevlinkPorts('{"port":')).toThrow(/not JSON/);
    expect(() => parseDevlinkPorts('{"ports":{}}')).toThrow(/no "port" object/);
    expect(() => parseDevlinkPorts('{"port":{"pci/0000:e1:00.0/1":{"function":{"migratable":"sometimes"}}}}')).toThrow(
      /migratable is "sometimes"/,
    );
  });

  it('builds quoted commands', () => {
    expect(devlinkPorts.command().text).toBe('devlink -j port show');
    expect(devlinkPort.command('0000:e1:00.0', 1).text).toBe('devlink -j port show pci/0000:e1:00.0/1');
  });
});

describe('iproute2 errors', () => {
  it('parses the migration refusal', () => {
    const e = parseIproute2Error(`${DEVLINK_MIGRATION_ERROR}\n${DEVLINK_KERNEL_ANSWER}\n`);
    expect(e).toEqual({ module: 'mlx5_core', message: "Device doesn't support migration.", kernelAnswer: 'Operation not supported' });
    expect(isMigrationUnsupported(e)).toBe(true);
  });

  it('parses messages without a module and older "devlink answers"', () => {
    expect(parseIproute2Error('Error: Port function is not a VF.\n')).toEqual({ message: 'Port function is not a VF.' });
    expect(parseIproute2Error('devlink answers: Operation not supported\n')).toEqual({ kernelAnswer: 'Operation not supported' });
    expect(isMigrationUnsupported(parseIproute2Error('devlink answers: Device or resource busy\n'))).toBe(false);
  });

  it('returns undefined for text that is not an iproute2 error', () => {
    expect(parseIproute2Error('')).toBeUndefined();
    expect(parseIproute2Error('Segmentation fault\n')).toBeUndefined();
    expect(isMigrationUnsupported(undefined)).toBe(false);
  });
});
