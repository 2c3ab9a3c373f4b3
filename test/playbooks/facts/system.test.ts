import { describe, expect, it } from 'vitest';
import { FactParseError } from 'marshal';
import {
  arch,
  isSupportedArch,
  links,
  parseIpBriefLink,
  parseIsActive,
  parsePing,
  parseRpmQuery,
  ping,
  rpmPackage,
  unitState,
} from '../../../playbooks/lib/facts';

describe('uname -m', () => {
  it('reads the machine and says whether the procedure supports it', () => {
    expect(arch.parse('x86_64\n', 0, '')).toBe('x86_64');
    expect(isSupportedArch('x86_64')).toBe(true);
    expect(isSupportedArch('aarch64')).toBe(true);
    expect(isSupportedArch('ppc64le')).toBe(false);
    expect(() => arch.parse('', 0, '')).toThrow('system.arch: expected one line, got ""');
    expect(() => arch.parse('x86 64\n', 0, '')).toThrow(/not a machine name/);
  });
});

describe('rpm -q', () => {
  it('installed: one NEVRA per version', () => {
    expect(parseRpmQuery('mstflint-4.26.0-1.el9.x86_64\n', 0)).toEqual({ installed: true, versions: ['mstflint-4.26.0-1.el9.x86_64'] });
    expect(rpmPackage.parse('kernel-5.14.0-427.el9.x86_64\nkernel-5.14.0-503.el9.x86_64\n', 0, '')).toMatchObject({
      installed: true,
      versions: ['kernel-5.14.0-427.el9.x86_64', 'kernel-5.14.0-503.el9.x86_64'],
    });
  });

  it('not installed: exit 1 with the message, on stdout or stderr', () => {
    expect(rpmPackage.okExitCodes).toEqual([0, 1]);
    expect(parseRpmQuery('package openvswitch is not installed\n', 1)).toEqual({ installed: false });
    expect(parseRpmQuery('', 1, 'package openvswitch is not installed\n')).toEqual({ installed: false });
  });

  it('refuses anything else', () => {
    expect(() => parseRpmQuery('', 1, 'error: rpmdb: BDB0113 Thread/process failed\n')).toThrow(/exit 1 without "package ... is not installed"/);
    expect(() => parseRpmQuery('', 0)).toThrow(/no package printed/);
    expect(() => parseRpmQuery('', 1)).toThrow(FactParseError);
    expect(rpmPackage.command('mstflint').text).toBe('rpm -q mstflint');
  });
});

describe('systemctl is-active', () => {
  it('takes the state word whatever the exit code', () => {
    expect(unitState.okExitCodes).toContain(3);
    expect(unitState.parse('active\n', 0, '')).toBe('active');
    expect(unitState.parse('inactive\n', 3, '')).toBe('inactive');
    expect(unitState.parse('failed\n', 3, '')).toBe('failed');
    expect(parseIsActive('activating\n')).toBe('activating');
    expect(() => parseIsActive('running\n')).toThrow('system.is-active: unknown unit state: "running"');
    expect(() => parseIsActive('')).toThrow(/empty output/);
    expect(unitState.command('openvswitch').text).toBe('systemctl is-active openvswitch');
  });
});

describe('ip -br link', () => {
  it('parses the guest view after migration', () => {
    const out = [
      'lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> ',
      'eth0             UP             52:54:00:ab:cd:01 <BROADCAST,MULTICAST,UP,LOWER_UP> ',
      'enp4s0f0v0       UP             52:54:00:56:8c:f7 <BROADCAST,MULTICAST,UP,LOWER_UP> ',
      'vlan10@eth0      DOWN           52:54:00:ab:cd:01 <BROADCAST,MULTICAST> ',
      'wg0              UNKNOWN        <POINTOPOINT,NOARP,UP,LOWER_UP> ',
      '',
    ].join('\n');
    const ls = parseIpBriefLink(out);
    expect(ls.map((l) => l.name)).toEqual(['lo', 'eth0', 'enp4s0f0v0', 'vlan10', 'wg0']);
    expect(ls[2]).toEqual({ name: 'enp4s0f0v0', state: 'UP', mac: '52:54:00:56:8c:f7', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] });
    expect(ls[3]).toMatchObject({ link: 'eth0', state: 'DOWN' });
    expect(ls[4]).toEqual({ name: 'wg0', state: 'UNKNOWN', flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'] });
    expect(parseIpBriefLink('')).toEqual([]);
    expect(() => parseIpBriefLink('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n')).toThrow(/not "<name> <state> \[mac\] <flags>"/);
    expect(links.command().text).toBe('ip -br link');
  });
});

describe('ping', () => {
  it('reads the summary and rtt', () => {
    const out = [
      'PING 192.0.2.10 (192.0.2.10) from 192.0.2.20 enp4s0f0v0: 56(84) bytes of data.',
      '64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.066 ms',
      '',
      '--- 192.0.2.10 ping statistics ---',
      '3 packets transmitted, 3 received, 0% packet loss, time 2003ms',
      'rtt min/avg/max/mdev = 0.045/0.054/0.066/0.008 ms',
      '',
    ].join('\n');
    expect(parsePing(out)).toEqual({
      transmitted: 3,
      received: 3,
      lossPercent: 0,
      rtt: { min: 0.045, avg: 0.054, max: 0.066, mdev: 0.008 },
    });
  });

  it('reads losses, errors and duplicates', () => {
    expect(parsePing('3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2030ms\n')).toEqual({
      transmitted: 3,
      received: 0,
      errors: 3,
      lossPercent: 100,
    });
    expect(parsePing('3 packets transmitted, 2 received, 33.3333% packet loss, time 2003ms\n').lossPercent).toBeCloseTo(33.3333);
    expect(parsePing('3 packets transmitted, 3 received, +1 duplicates, 0% packet loss, time 2003ms\n').duplicates).toBe(1);
  });

  it('refuses output without a summary', () => {
    expect(() => parsePing('')).toThrow('system.ping: empty output');
    expect(() => parsePing('ping: SO_BINDTODEVICE enp4s0f0v0: No such device\n')).toThrow(/no "packets transmitted" summary/);
    expect(() => parsePing('rtt min/avg/max/mdev = 0.045/0.054/0.066/0.008 ms\n')).toThrow(/rtt line before/);
    expect(ping.okExitCodes).toEqual([0, 1]);
    expect(ping.command('192.0.2.10', { iface: 'enp4s0f0v0', count: 5 }).text).toBe('ping -c 5 -W 2 -I enp4s0f0v0 192.0.2.10');
  });
});
