import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  formatPciAddress,
  fromLibvirtAddress,
  libvirtAddressAttributes,
  nodeDeviceName,
  normalizePciAddress,
  parseNodeDeviceName,
  parsePciAddress,
  samePciAddress,
  toLibvirtAddress,
  type PciAddress,
} from '../../../playbooks/lib/facts';
import { XML_INTERFACE } from './samples';

describe('PCI addresses', () => {
  it('parses the sysfs form', () => {
    expect(parsePciAddress('0000:e1:00.1')).toEqual({ domain: 0, bus: 0xe1, slot: 0, function: 1 });
    expect(parsePciAddress('0000:b1:01.2')).toEqual({ domain: 0, bus: 0xb1, slot: 1, function: 2 });
  });

  it('accepts the short lspci form, upper case and surrounding whitespace', () => {
    expect(formatPciAddress(parsePciAddress('  E1:00.1\n'))).toBe('0000:e1:00.1');
    expect(normalizePciAddress('0000:E1:00.0')).toBe('0000:e1:00.0');
  });

  it('renders the libvirt attributes of the procedure step 7 XML', () => {
    const attrs = libvirtAddressAttributes('0000:e1:00.1');
    expect(XML_INTERFACE).toContain(`<address type='pci' ${attrs}/>`);
    expect(toLibvirtAddress('0000:e1:00.1')).toEqual({ domain: '0x0000', bus: '0xe1', slot: '0x00', function: '0x1' });
  });

  it('reads libvirt attributes in hex or decimal, domain defaulting to 0', () => {
    expect(formatPciAddress(fromLibvirtAddress({ domain: '0x0000', bus: '0xe1', slot: '0x00', function: '0x1' }))).toBe('0000:e1:00.1');
    expect(formatPciAddress(fromLibvirtAddress({ bus: '225', slot: '0', function: '1' }))).toBe('0000:e1:00.1');
    expect(() => fromLibvirtAddress({ bus: 'e1', slot: '0', function: '1' })).toThrow(/bus="e1" is not a number/);
    expect(() => fromLibvirtAddress({ slot: '0', function: '1' })).toThrow(/lacks bus/);
  });

  it('names node devices like virsh does', () => {
    expect(nodeDeviceName('0000:e1:00.1')).toBe('pci_0000_e1_00_1');
    expect(formatPciAddress(parseNodeDeviceName('pci_0000_e1_00_1'))).toBe('0000:e1:00.1');
    expect(() => parseNodeDeviceName('net_enp225s0v0')).toThrow(/not a PCI node-device name: "net_enp225s0v0"/);
  });

  it('rejects malformed and out-of-range addresses with a clear error', () => {
    for (const bad of ['', 'e1:00', '0000:e1:00.1 ', 'zz00:e1:00.1', '0000:e1:00.1.2', 'pci/0000:e1:00.0']) {
      if (bad.trim() === '0000:e1:00.1') continue;
      expect(() => parsePciAddress(bad)).toThrow(FactParseError);
    }
    expect(() => parsePciAddress('0000:e1:20.0')).toThrow(/slot out of range/);
    expect(() => parsePciAddress('0000:e1:00.8')).toThrow(/function out of range/);
    expect(() => parsePciAddress('bogus')).toThrow('pci-address: not a PCI address: "bogus" (expected DDDD:BB:SS.F, e.g. 0000:e1:00.1)');
    expect(() => formatPciAddress({ domain: 0, bus: 256, slot: 0, function: 0 })).toThrow(/bus out of range/);
  });

  it('compares spellings', () => {
    expect(samePciAddress('e1:00.1', '0000:E1:00.1')).toBe(true);
    expect(samePciAddress('0000:e1:00.1', '0000:e1:00.2')).toBe(false);
  });

  const address = fc.record({
    domain: fc.integer({ min: 0, max: 0xffff }),
    bus: fc.integer({ min: 0, max: 0xff }),
    slot: fc.integer({ min: 0, max: 0x1f }),
    function: fc.integer({ min: 0, max: 7 }),
  });

  it('round-trips every address through all three spellings (property)', () => {
    fc.assert(
      fc.property(address, (a: PciAddress) => {
        const text = formatPciAddress(a);
        expect(text).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
        expect(parsePciAddress(text)).toEqual(a);
        expect(parsePciAddress(text.toUpperCase())).toEqual(a);
        expect(fromLibvirtAddress(toLibvirtAddress(a))).toEqual(a);
        expect(parseNodeDeviceName(nodeDeviceName(a))).toEqual(a);
      }),
    );
  });

  it('never accepts an out-of-range part (property)', () => {
    fc.assert(
      fc.property(address, fc.constantFrom('bus', 'slot', 'function') , (a, part) => {
        const over = { ...a, [part]: { bus: 0x100, slot: 0x20, function: 8 }[part] };
        expect(() => formatPciAddress(over)).toThrow(FactParseError);
      }),
    );
  });
});
