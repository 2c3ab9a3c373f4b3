import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  classifyMigrationError,
  domainXml,
  domains,
  domJobInfo,
  lastMigrationProgress,
  parseDomainXml,
  parseDomJobInfo,
  parseNodedevDetach,
  parseVirshList,
  parseXml,
  toBytes,
} from '../../../playbooks/lib/facts';
import {
  MIGRATION_PROGRESS,
  NODEDEV_DETACHED,
  REFUSAL_KERNEL,
  REFUSAL_LEGACY,
  REFUSAL_POSTCOPY,
  REFUSAL_VIOMMU,
  XML_INTERFACE,
} from './samples';

const indent = (s: string, n: number) => s.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

/** A running domain as `virsh dumpxml` prints it, with the procedure's interface attached. */
const DOMAIN = (extraDevices = '') => `<domain type='kvm' id='3'>
  <name>vm1</name>
  <uuid>8f6a3c2e-1b7d-4c39-9f0e-2d4b5a6c7e81</uuid>
  <memory unit='KiB'>4194304</memory>
  <os>
    <type arch='x86_64' machine='pc-q35-rhel9.4.0'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/libexec/qemu-kvm</emulator>
    <!-- the management NIC -->
    <interface type='network'>
      <mac address='52:54:00:AB:cd:01'/>
      <source network='default' portid='e0d5f2a1-0c3b-4b8e-9a55-0f1d2c3b4a59' bridge='virbr0'/>
      <target dev='vnet2'/>
      <model type='virtio'/>
      <alias name='net0'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
${indent(XML_INTERFACE, 4)}
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <driver name='vfio'/>
      <source>
        <address domain='0x0000' bus='0xe1' slot='0x00' function='0x2'/>
      </source>
      <alias name='hostdev1'/>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </hostdev>
${extraDevices}  </devices>
  <seclabel type='dynamic' model='selinux' relabel='yes'>
    <label>system_u:system_r:svirt_t:s0:c1,c2</label>
  </seclabel>
</domain>
`;

describe('virsh list --all', () => {
  it('parses the real table layout', () => {
    const out = ' Id   Name        State\n----------------------------\n 3    vm1         running\n -    my vm two   shut off\n 7    vm3         paused\n\n';
    expect(parseVirshList(out)).toEqual([
      { id: 3, name: 'vm1', state: 'running' },
      { id: null, name: 'my vm two', state: 'shut off' },
      { id: 7, name: 'vm3', state: 'paused' },
    ]);
    expect(parseVirshList(' Id   Name   State\n--------------------\n\n')).toEqual([]);
  });

  it('refuses other text', () => {
    expect(() => parseVirshList('')).toThrow(/empty output/);
    expect(() => parseVirshList('error: failed to connect to the hypervisor\n')).toThrow(/not the list header/);
    expect(() => parseVirshList(' Id   Name   State\n--------------------\n 1    vm1    sleeping\n')).toThrow(
      'virsh.list: not "<id> <name> <state>": " 1    vm1    sleeping"',
    );
    expect(domains.command().text).toBe('virsh list --all');
  });
});

describe('virsh dumpxml', () => {
  it('finds the hostdev interface with its source PCI address and MAC', () => {
    const d = parseDomainXml(DOMAIN());
    expect(d.name).toBe('vm1');
    expect(d.uuid).toBe('8f6a3c2e-1b7d-4c39-9f0e-2d4b5a6c7e81');
    expect(d.iommu).toBeNull();
    expect(d.interfaces).toEqual([
      {
        type: 'network',
        mac: '52:54:00:ab:cd:01',
        model: 'virtio',
        sourceNetwork: 'default',
        targetDev: 'vnet2',
        alias: 'net0',
      },
      { type: 'hostdev', managed: true, mac: '52:54:00:56:8c:f7', sourcePci: '0000:e1:00.1' },
    ]);
    expect(d.hostdevs).toEqual([{ mode: 'subsystem', type: 'pci', managed: true, sourcePci: '0000:e1:00.2', driver: 'vfio', alias: 'hostdev1' }]);
    expect(d.macs).toEqual(['52:54:00:ab:cd:01', '52:54:00:56:8c:f7']);
    expect(d.passthroughPci).toEqual(['0000:e1:00.1', '0000:e1:00.2']);
  });

  it('detects a vIOMMU', () => {
    const d = parseDomainXml(DOMAIN("    <iommu model='intel'>\n      <driver intremap='on' caching_mode='on'/>\n    </iommu>\n"));
    expect(d.iommu).toEqual({ model: 'intel' });
    expect(parseDomainXml(DOMAIN("    <iommu model=\"smmuv3\"/>\n")).iommu).toEqual({ model: 'smmuv3' });
  });

  it('decodes entities and ignores the XML declaration and comments', () => {
    const x = parseXml(`<?xml version="1.0"?>\n<!-- c -->\n<domain><name>a&amp;b &#x41;&#66;</name><description><![CDATA[<raw>]]></description></domain>\n`);
    expect(x.children.map((c) => c.text)).toEqual(['a&b AB', '<raw>']);
  });

  it('refuses malformed XML and non-domain documents, saying where', () => {
    expect(() => parseDomainXml('')).toThrow('virsh.dumpxml: empty document at line 1: ""');
    expect(() => parseDomainXml('<domain><name>vm1</name>')).toThrow(/missing <\/domain>/);
    expect(() => parseDomainXml('<domain><name>vm1</nam></domain>')).toThrow(/<\/nam> closes <name>/);
    expect(() => parseDomainXml("<domain a='1' a='2'><name>x</name></domain>")).toThrow(/attribute a repeated/);
    expect(() => parseDomainXml('<domain><name>x &nbsp;</name></domain>')).toThrow(/unknown entity &nbsp;/);
    expect(() => parseDomainXml('<network><name>default</name></network>')).toThrow(/root element is <network>/);
    expect(() => parseDomainXml('<domain></domain>')).toThrow(/has no <name>/);
    expect(() => parseDomainXml(`${DOMAIN()}<extra/>`)).toThrow(/content after the root element/);
    expect(() => parseDomainXml(DOMAIN().replace("bus='0xe1' slot='0x00' function='0x1'", "bus='0xe1' slot='0x00' function='0x9'"))).toThrow(
      /<interface> source address: .*function out of range/,
    );
    expect(() => parseDomainXml(DOMAIN().replace("52:54:00:56:8c:f7", 'not-a-mac'))).toThrow(/MAC is not/);
    expect(() => parseDomainXml(DOMAIN("    <iommu/>\n"))).toThrow(/<iommu> without a model/);
    expect(domainXml.command('vm 1').text).toBe("virsh dumpxml 'vm 1'");
  });
});

describe('virsh domjobinfo', () => {
  const RUNNING = [
    'Job type:         Unbounded',
    'Operation:        Outgoing migration',
    'Time elapsed:     3003         ms',
    'Data processed:   357.379 MiB',
    'Data remaining:   3.553 GiB',
    'Data total:       4.016 GiB',
    'Memory bandwidth: 118.870 MiB/s',
    'Dirty rate:       0            pages/s',
    'Page size:        4096         bytes',
    'Iteration:        1',
    'Postcopy requests: 0',
    'Expected downtime: 300          ms',
    '',
  ].join('\n');

  it('parses a running migration job', () => {
    const j = parseDomJobInfo(RUNNING);
    expect(j).toMatchObject({ jobType: 'Unbounded', active: true, operation: 'Outgoing migration' });
    expect(j.quantities['Time elapsed']).toEqual({ value: 3003, unit: 'ms' });
    expect(j.quantities['Iteration']).toEqual({ value: 1 });
    expect(toBytes(j.quantities['Data processed'])).toBeCloseTo(357.379 * 2 ** 20);
    expect(toBytes(j.quantities['Memory bandwidth'])).toBeCloseTo(118.87 * 2 ** 20);
    expect(toBytes(j.quantities['Page size'])).toBe(4096);
    expect(toBytes(j.quantities['Dirty rate'])).toBeUndefined();
  });

  it('parses "no job" and refuses other text', () => {
    expect(parseDomJobInfo('Job type:         None        \n\n')).toMatchObject({ jobType: 'None', active: false });
    expect(() => parseDomJobInfo('')).toThrow(/empty output/);
    expect(() => parseDomJobInfo('Operation:        Outgoing migration\n')).toThrow(/no "Job type:" line/);
    expect(() => parseDomJobInfo(`${RUNNING}oops\n`)).toThrow('virsh.domjobinfo: not "Label: value": "oops"');
    expect(domJobInfo.command('vm1', { completed: true }).text).toBe('virsh domjobinfo vm1 --completed');
  });
});

describe('migration refusals', () => {
  it('classifies each refusal the reference lists', () => {
    const dev = '0000:e1:00.1';
    expect(classifyMigrationError(`error: cannot migrate domain: ${dev}: ${REFUSAL_KERNEL}\n`)).toEqual({
      reason: 'vfio-not-supported',
      device: dev,
      message: `error: cannot migrate domain: ${dev}: ${REFUSAL_KERNEL}`,
    });
    expect(classifyMigrationError(`error: cannot migrate domain: ${dev}: ${REFUSAL_VIOMMU}\n`)).toMatchObject({ reason: 'viommu', device: dev });
    expect(classifyMigrationError(`error: cannot migrate domain: ${REFUSAL_VIOMMU}\n`)).toEqual({
      reason: 'viommu',
      message: `error: cannot migrate domain: ${REFUSAL_VIOMMU}`,
    });
    expect(classifyMigrationError(`error: cannot migrate domain: ${REFUSAL_POSTCOPY}\n`)).toMatchObject({ reason: 'postcopy' });
    expect(classifyMigrationError(`${REFUSAL_LEGACY}\n`)).toEqual({ reason: 'legacy-hostdev', message: REFUSAL_LEGACY });
  });

  it('calls anything else "other", keeping the error line', () => {
    expect(classifyMigrationError('error: Failed to connect\nerror: unable to connect to server at dst:22: Connection refused\n')).toEqual({
      reason: 'other',
      message: 'error: unable to connect to server at dst:22: Connection refused',
    });
    expect(classifyMigrationError('')).toEqual({ reason: 'other', message: '' });
  });

  it('reads progress and nodedev-detach output', () => {
    expect(lastMigrationProgress(`Migration: [  0.00 %]\rMigration: [ 42.17 %]\r${MIGRATION_PROGRESS}\n`)).toBe(100);
    expect(lastMigrationProgress('nothing')).toBeUndefined();
    expect(parseNodedevDetach(`${NODEDEV_DETACHED}\n\n`)).toBe('pci_0000_e1_00_1');
    expect(() => parseNodedevDetach('error: Failed to detach device pci_0000_e1_00_1\n')).toThrow(FactParseError);
  });
});
