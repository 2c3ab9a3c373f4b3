import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/errors';
import { loadInventory, registerInventoryPlugin, selectHosts, hostVars } from '../../src/inventory';
import { tree } from './helpers';
import { labDirOutsideTmp } from '../../src/lab/layout';

const LAB_INVENTORY = `all:
  children:
    lab:
      hosts:
        lab-node[1:3]:
          ansible_host: 127.0.0.1
      vars:
        marshal_known_hosts: known_hosts
`;

// labs never live under /tmp (hosts hide it), so fake labs are made in /var/tmp
const LABS = '/var/tmp';

describe('marshal_lab inventory plugin', () => {
  it('loads <lab_dir>/inventory.yml, lab_dir relative to the plugin file', async () => {
    const dir = tree({ 'inv/lab.yml': 'plugin: marshal_lab\nlab_dir: ../.lab\n', '.lab/inventory.yml': LAB_INVENTORY }, LABS);
    const inv = await loadInventory(['inv/lab.yml'], { cwd: dir });
    expect(selectHosts(inv, 'lab')).toEqual(['lab-node1', 'lab-node2', 'lab-node3']);
    expect(hostVars(inv, 'lab-node2')).toEqual({ ansible_host: '127.0.0.1', marshal_known_hosts: 'known_hosts' });
    expect(inv.sources).toContain(join(dir, '.lab/inventory.yml'));
  });

  it('group_vars beside the plugin file apply, as for any inventory file', async () => {
    const dir = tree({
      'lab.yml': 'plugin: marshal_lab\nlab_dir: state\n',
      'state/inventory.yml': LAB_INVENTORY,
      'group_vars/lab.yml': 'ansible_user: tester\n',
    }, LABS);
    const inv = await loadInventory(['lab.yml'], { cwd: dir });
    expect(hostVars(inv, 'lab-node1').ansible_user).toBe('tester');
  });

  it('says the lab is not running when inventory.yml is missing', async () => {
    const dir = tree({ 'lab.yml': '# the lab\nplugin: marshal_lab\nlab_dir: .lab\n' }, LABS);
    const err = (await loadInventory(['lab.yml'], { cwd: dir }).catch((e: unknown) => e)) as InventoryError;
    expect(err).toBeInstanceOf(InventoryError);
    expect(err.file).toBe(join(dir, 'lab.yml'));
    expect(err.line).toBe(3);
    expect(err.message).toContain('the lab is not running: run `marshal lab up`');
    expect(err.located).toContain(`${join(dir, 'lab.yml')}:3: the lab is not running`);
  });

  it('follows MARSHAL_LAB_DIR, as `marshal lab up` does', async () => {
    const dir = tree({ 'lab.yml': 'plugin: marshal_lab\nlab_dir: nowhere\n', 'elsewhere/inventory.yml': 'all:\n  hosts:\n    moved-node:\n' }, LABS);
    const saved = process.env.MARSHAL_LAB_DIR;
    process.env.MARSHAL_LAB_DIR = join(dir, 'elsewhere');
    try {
      const inv = await loadInventory(['lab.yml'], { cwd: dir });
      expect([...inv.hosts.keys()]).toEqual(['moved-node']);
    } finally {
      if (saved === undefined) delete process.env.MARSHAL_LAB_DIR;
      else process.env.MARSHAL_LAB_DIR = saved;
    }
  });

  it('needs lab_dir', async () => {
    const dir = tree({ 'lab.yml': 'plugin: marshal_lab\n' }, LABS);
    await expect(loadInventory(['lab.yml'], { cwd: dir })).rejects.toThrow(/needs `lab_dir/);
  });

  it('an unknown plugin is an error listing the known ones', async () => {
    const dir = tree({ 'aws.yml': 'plugin: amazon.aws.aws_ec2\nregions: [x]\n' }, LABS);
    const err = (await loadInventory(['aws.yml'], { cwd: dir }).catch((e: unknown) => e)) as InventoryError;
    expect(err.message).toMatch(/unknown inventory plugin 'amazon.aws.aws_ec2' \(known: .*marshal_lab/);
    expect(err.line).toBe(1);
  });

  it('other plugins can be registered', async () => {
    registerInventoryPlugin('test_static', ({ config, builder }) => {
      const group = builder.addGroup(String(config.group));
      for (const h of config.hosts as string[]) builder.addHost(h, group);
    });
    const dir = tree({ 'p.yaml': 'plugin: test_static\ngroup: made\nhosts: [x1, x2]\n' }, LABS);
    const inv = await loadInventory(['p.yaml'], { cwd: dir });
    expect(selectHosts(inv, 'made')).toEqual(['x1', 'x2']);
  });
});

describe('lab dirs under /tmp', () => {
  it('map to /var/tmp/marshal-labs/<hash>, the same way `marshal lab up` maps its default', () => {
    const mapped = labDirOutsideTmp('/tmp/checkout/.marshal/lab');
    expect(mapped).toMatch(/^\/var\/tmp\/marshal-labs\/[0-9a-f]{16}$/);
    expect(labDirOutsideTmp('/tmp/checkout/.marshal/lab')).toBe(mapped);
    expect(labDirOutsideTmp('/var/tmp/lab')).toBe('/var/tmp/lab');
    expect(labDirOutsideTmp('/tmpfoo/lab')).toBe('/tmpfoo/lab');
  });
});
