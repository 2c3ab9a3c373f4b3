/** ovs-vsctl's bridge external_ids in the lab model: what prepare-cx7 marks its bridge with and unprepare-cx7 reads. */
import { describe, expect, it } from 'vitest';
import { testWorld } from './helpers';

describe('ovs-vsctl br-set-external-id / br-get-external-id', () => {
  it('set with add-br in one transaction, read one key or all, removed without a value, gone with the bridge', () => {
    const t = testWorld();
    t.run('src01', 'systemctl start openvswitch');
    expect(t.run('src01', 'ovs-vsctl add-br br1 -- br-set-external-id br1 marshal-created-by prepare-cx7').code).toBe(0);
    expect(t.run('src01', 'ovs-vsctl br-get-external-id br1 marshal-created-by').stdout).toBe('prepare-cx7\n');
    expect(t.run('src01', 'ovs-vsctl br-set-external-id br1 owner ops').code).toBe(0);
    expect(t.run('src01', 'ovs-vsctl br-get-external-id br1').stdout).toBe('marshal-created-by=prepare-cx7\nowner=ops\n');
    // an unset key prints nothing and exits 0, as ovs-vsctl does
    expect(t.run('src01', 'ovs-vsctl br-get-external-id br1 nothing')).toMatchObject({ code: 0, stdout: '' });
    t.run('src01', 'ovs-vsctl br-set-external-id br1 owner');
    t.run('src01', 'ovs-vsctl br-set-external-id br1 marshal-created-by');
    expect(t.nic('src01').ovs.bridges[0]).toEqual({ name: 'br1', ports: [] });
    t.run('src01', 'ovs-vsctl br-set-external-id br1 k v');
    t.run('src01', 'ovs-vsctl del-br br1');
    t.run('src01', 'ovs-vsctl add-br br1');
    expect(t.run('src01', 'ovs-vsctl br-get-external-id br1 k').stdout).toBe('');
  });

  it('a missing bridge or key is an error; a failed transaction leaves no bridge behind', () => {
    const t = testWorld();
    t.run('src01', 'systemctl start openvswitch');
    expect(t.run('src01', 'ovs-vsctl br-get-external-id nope k')).toMatchObject({ code: 1, stderr: 'ovs-vsctl: no bridge named nope\n' });
    expect(t.run('src01', 'ovs-vsctl br-set-external-id br1').code).toBe(1);
    expect(t.run('src01', 'ovs-vsctl add-br br2 -- br-set-external-id other k v').code).toBe(1);
    expect(t.nic('src01').ovs.bridges).toEqual([]);
  });
});
