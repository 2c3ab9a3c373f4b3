import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  lshwNetwork,
  lshwVirtualFunctions,
  lspciKernel,
  mellanoxDevices,
  parseLshwBusinfo,
  parseLspci,
  parseLspciKernel,
  parseLspciLine,
} from '../../../playbooks/lib/facts';
import { LSHW_OTHER_HOST, LSHW_PROCEDURE, LSPCI_K_DRIVER, LSPCI_K_MODULES, LSPCI_PF, LSPCI_VF } from './samples';

describe('lspci', () => {
  it('parses the -D lines of the reference', () => {
    expect(parseLspci(`${LSPCI_PF}\n${LSPCI_VF}\n`)).toEqual([
      {
        address: '0000:e1:00.0',
        className: 'Ethernet controller',
        description: 'Mellanox Technologies MT2910 Family [ConnectX-7]',
        role: 'pf',
      },
      {
        address: '0000:e1:00.1',
        className: 'Ethernet controller',
        description: 'Mellanox Technologies ConnectX Family mlx5Gen Virtual Function',
        role: 'vf',
      },
    ]);
  });

  it('parses -nn (names and ids) and -n (ids only), with a revision', () => {
    expect(parseLspciLine('0000:e1:00.0 Ethernet controller [0200]: Mellanox Technologies MT2910 Family [ConnectX-7] [15b3:1021]')).toEqual({
      address: '0000:e1:00.0',
      className: 'Ethernet controller',
      classCode: '0200',
      description: 'Mellanox Technologies MT2910 Family [ConnectX-7]',
      vendorId: '15b3',
      deviceId: '1021',
      role: 'pf',
    });
    expect(parseLspciLine('e1:00.1 0200: 15b3:101e')).toEqual({
      address: '0000:e1:00.1',
      classCode: '0200',
      vendorId: '15b3',
      deviceId: '101e',
      role: 'vf',
    });
    expect(parseLspciLine('0000:04:00.0 0200: 15b3:101d (rev 01)')).toMatchObject({ deviceId: '101d', revision: '01', role: 'other' });
    expect(parseLspciLine(`${LSPCI_PF} (rev 01)`)).toMatchObject({ revision: '01', description: 'Mellanox Technologies MT2910 Family [ConnectX-7]' });
  });

  it('returns no devices for empty output and refuses other text', () => {
    expect(parseLspci('')).toEqual([]);
    expect(() => parseLspci('lspci: -d: Invalid vendor ID\n')).toThrow('lspci: not an lspci device line: "lspci: -d: Invalid vendor ID"');
    expect(() => parseLspci('0000:e1:00.9 Ethernet controller: X\n')).toThrow(/function out of range/);
  });

  it('parses lspci -k blocks', () => {
    const out = `${LSPCI_VF}\n\tSubsystem: Mellanox Technologies Device 0026\n\t${LSPCI_K_DRIVER}\n\t${LSPCI_K_MODULES}\n`;
    const [k, ...rest] = parseLspciKernel(out);
    expect(rest).toEqual([]);
    expect(k).toMatchObject({
      device: { address: '0000:e1:00.1', role: 'vf' },
      subsystem: 'Mellanox Technologies Device 0026',
      driverInUse: 'mlx5_vfio_pci',
      modules: ['mlx5_core'],
    });
    const unbound = parseLspciKernel(`${LSPCI_VF}\n\tKernel modules: mlx5_core, mlx5_vfio_pci\n`)[0];
    expect(unbound?.driverInUse).toBeNull();
    expect(unbound?.modules).toEqual(['mlx5_core', 'mlx5_vfio_pci']);
    expect(lspciKernel.parse('', 0, '')).toBeNull();
    expect(() => lspciKernel.parse(`${out}${LSPCI_PF}\n`, 0, '')).toThrow(/expected one device, got 2/);
    expect(() => parseLspciKernel(`\t${LSPCI_K_DRIVER}\n`)).toThrow(/indented line before any device line/);
    expect(() => parseLspciKernel(`${LSPCI_VF}\n\tno colon here\n`)).toThrow(/not "Key: value"/);
  });

  it('builds quoted commands', () => {
    expect(mellanoxDevices.command().text).toBe('lspci -D -nn -d 15b3:');
    expect(lspciKernel.command('0000:e1:00.1').text).toBe('lspci -D -k -s 0000:e1:00.1');
  });
});

describe('lshw -c network -businfo', () => {
  it('parses the procedure sample', () => {
    expect(parseLshwBusinfo(LSHW_PROCEDURE)).toEqual([
      { busInfo: 'pci@0000:e1:00.0', pci: '0000:e1:00.0', device: 'enp225s0np0', class: 'network', description: 'MT2910 Family [ConnectX-7]' },
      {
        busInfo: 'pci@0000:e1:00.1',
        pci: '0000:e1:00.1',
        device: 'enp225s0v0',
        class: 'network',
        description: 'ConnectX Family mlx5Gen Virtual Function',
      },
    ]);
  });

  it('parses the other host, where the representor shares the PF bus address', () => {
    const rows = parseLshwBusinfo(LSHW_OTHER_HOST);
    expect(rows.map((r) => [r.pci, r.device, r.description])).toEqual([
      ['0000:04:00.0', 'enp3s0f0np0', 'MT2892 Family [ConnectX-6 Dx]'],
      ['0000:04:00.2', 'enp4s0f0v0', 'ConnectX Family mlx5Gen Virtual Function'],
      ['0000:04:00.0', 'enp4s0f0r0', 'Ethernet interface'],
    ]);
    expect(lshwVirtualFunctions(rows).map((r) => r.pci)).toEqual(['0000:04:00.2']);
  });

  it('handles empty cells and a device name wider than its column', () => {
    const header = LSHW_OTHER_HOST.split('\n').slice(0, 2).join('\n');
    const rows = parseLshwBusinfo(
      [
        header,
        'pci@0000:04:00.2                  network        ConnectX Family mlx5Gen Virtual Function',
        '                  virbr0          network        Ethernet interface',
        'pci@0000:04:00.0  enp4s0f0npf0vf12 network        Ethernet interface',
        '',
      ].join('\n'),
    );
    expect(rows[0]).toEqual({ busInfo: 'pci@0000:04:00.2', pci: '0000:04:00.2', class: 'network', description: 'ConnectX Family mlx5Gen Virtual Function' });
    expect(rows[1]).toEqual({ busInfo: '', device: 'virbr0', class: 'network', description: 'Ethernet interface' });
    expect(rows[2]).toMatchObject({ device: 'enp4s0f0npf0vf12', class: 'network', description: 'Ethernet interface' });
  });

  it('refuses text that is not the businfo table', () => {
    expect(parseLshwBusinfo('')).toEqual([]);
    expect(() => parseLshwBusinfo('H/W path  Device  Class  Description\n')).toThrow(/not the "Bus info Device Class Description" header/);
    expect(() => parseLshwBusinfo(LSHW_PROCEDURE.replace(/^=+$/m, '-----'))).toThrow(/expected a ==== line/);
    expect(() => parseLshwBusinfo(`${LSHW_PROCEDURE}pci@0000:e1:00.2    enp225s0v1\n`)).toThrow(/row without a class/);
    expect(() => parseLshwBusinfo(`${LSHW_PROCEDURE}garbage            x              network        y\n`)).toThrow(FactParseError);
    expect(lshwNetwork.command().text).toBe('lshw -c network -businfo');
  });
});
