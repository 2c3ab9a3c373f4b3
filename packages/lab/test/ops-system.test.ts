/**
 * ops.packages and ops.service against the lab's simulated rpm/dnf/systemctl: the simulated tools
 * themselves (in-process), then the bundled CLI on a lab's real sshd hosts.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUp } from '../src/index';
import { marshal } from './cli';
import { expectOk, testWorld } from './helpers';
import { testLabs } from './labs';

describe('the simulated rpm, dnf and systemctl', () => {
  it('rpm -q --qf formats the tags; missing packages say so', () => {
    const t = testWorld('no-openvswitch');
    const r = t.runRaw('src01', "rpm -q --qf %{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n mstflint openvswitch");
    expect(r).toMatchObject({ kind: 'done', code: 1, stdout: 'mstflint\t4.28.0-1.el9\tx86_64\npackage openvswitch is not installed\n' });
  });

  it('dnf installs and removes several names in one transaction; a new unit starts disabled', () => {
    const t = testWorld('no-openvswitch');
    expectOk(t.run('src01', 'dnf -y -q install openvswitch lshw'));
    expect(t.nic('src01').packages).toMatchObject({ openvswitch: true, lshw: true });
    expect(t.run('src01', 'systemctl is-enabled openvswitch')).toMatchObject({ code: 1, stdout: 'disabled\n' });
    expect(t.run('src01', 'systemctl show --property=LoadState,ActiveState,UnitFileState -- openvswitch.service').stdout).toBe('LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n');
    expectOk(t.run('src01', 'systemctl enable -- openvswitch.service'));
    expectOk(t.run('src01', 'systemctl start -- openvswitch.service'));
    expect(t.run('src01', 'systemctl show -p ActiveState,UnitFileState openvswitch').stdout).toBe('ActiveState=active\nUnitFileState=enabled\n');
    expectOk(t.run('src01', 'dnf -y remove mstflint openvswitch'));
    expect(t.nic('src01').packages).toMatchObject({ mstflint: false, openvswitch: false });
    expect(t.nic('src01').ovs.running).toBe(false);
    expect(t.run('src01', 'systemctl show -p LoadState openvswitch').stdout).toBe('LoadState=not-found\n');
    expect(t.run('src01', 'dnf -q list --upgrades lshw')).toMatchObject({ code: 1, stderr: 'Error: No matching Packages to list\n' });
  });

  it('libvirtd keeps its own running and enabled state', () => {
    const t = testWorld();
    expect(t.run('src01', 'systemctl is-active libvirtd').stdout).toBe('active\n');
    expectOk(t.run('src01', 'systemctl stop libvirtd'));
    expectOk(t.run('src01', 'systemctl disable libvirtd'));
    expect(t.run('src01', 'systemctl show -p ActiveState,UnitFileState libvirtd').stdout).toBe('ActiveState=inactive\nUnitFileState=disabled\n');
  });
});

const PLAYBOOK = `import { playbook, ops } from 'marshal';
export default playbook({
  name: 'lab packages and services',
  hosts: 'source:destination',
  steps: [
    ops.packages({ packages: ['openvswitch', 'lshw', 'pciutils'] }),
    ops.package({ packages: 'mstflint', state: 'absent' }),
    ops.packages({ packages: ['iproute'], state: 'latest', become: true }),
    ops.service({ service: 'openvswitch', state: 'started', enabled: true, daemonReload: true }),
    ops.service({ service: 'libvirtd', state: 'stopped', enabled: false }),
    ops.file({ path: '/root/ovs-options.conf', content: 'hw-offload=true\\n', notify: 'restart openvswitch' }),
  ],
  handlers: [ops.service({ name: 'restart openvswitch', service: 'openvswitch', state: 'restarted' })],
});
`;

/** A loopback /24 of this process's own, clear of the default lab and the other suites. */
const { net: NET, newDir } = testLabs('ops-lab');

const recap = (out: string, host: string) => new RegExp(`${host}\\s+: ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=0\\s+failed=0`).exec(out)?.slice(1);

describe('ops.packages and ops.service on lab hosts', () => {
  it('--check --diff changes nothing; the first run installs, removes, starts, enables and restarts; the second is all ok', async () => {
    const dir = newDir();
    const up = await labUp({ dir, scenario: 'no-openvswitch', net: NET });
    const pb = join(dir, 'packages-services.ts');
    writeFileSync(pb, PLAYBOOK);
    const state = () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).hosts;
    const before = state();

    const check = await marshal(['run', pb, '-i', up.inventory, '--check', '--diff']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    for (const note of ['dnf: install openvswitch', 'dnf: remove mstflint 4.28.0-1.el9', 'openvswitch.service: no such unit yet', 'libvirtd.service: systemctl disable, stop', '+hw-offload=true']) {
      expect(check.stdout, note).toContain(note);
    }
    expect(state()).toEqual(before);

    const first = await marshal(['run', pb, '-i', up.inventory, '--diff']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout.split('HANDLER [restart openvswitch]')[1]?.match(/changed: \[(src01|dst01)\]\n\s+openvswitch\.service: systemctl restart/g)).toHaveLength(2);
    // every step but latest (iproute is up to date) changed, then the handler
    for (const h of ['src01', 'dst01']) expect(recap(first.stdout, h)).toEqual(['7', '6']);
    const after = state();
    for (const h of ['src01', 'dst01']) {
      expect(after[h].packages).toMatchObject({ openvswitch: true, lshw: true, pciutils: true, mstflint: false, iproute: true });
      expect(after[h].ovs.running).toBe(true);
      expect(after[h].units).toMatchObject({ openvswitch: { enabled: true }, libvirtd: { enabled: false, active: false } });
    }

    const second = await marshal(['run', pb, '-i', up.inventory]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).not.toContain('HANDLER');
    for (const h of ['src01', 'dst01']) expect(recap(second.stdout, h)).toEqual(['6', '0']);
  }, 240_000);
});
