/** The lab as a Marshal plugin: the marshal_lab inventory plugin it registers, and its commands. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryError } from 'marshal';
import * as runner from 'marshal/runner';
import { loadInventory, registerInventoryPlugin, selectHosts, type MarshalPluginApi, type PluginCommand } from 'marshal/runner';
import { register } from '../src/plugin';
import { labDirOutsideTmp } from '../src/layout';

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
const made: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync('/var/tmp/marshal-labplugin-');
  made.push(root);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  return root;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const commands: PluginCommand[] = [];
beforeAll(() => {
  const api: MarshalPluginApi = { projectDir: '/project', declaredIn: '/project/package.json', registerInventoryPlugin, registerCommand: (c) => commands.push(c), runner };
  register(api);
});

describe('register(api)', () => {
  it('adds the lab and demo commands', () => {
    expect(commands.map((c) => c.command)).toEqual(['lab <action>', 'demo']);
    expect(commands[0]!.positionals?.action?.choices).toEqual(['up', 'status', 'down']);
  });
});

describe('marshal_lab inventory plugin', () => {
  it('loads <lab_dir>/inventory.yml, lab_dir relative to the plugin file', async () => {
    const dir = tree({ 'inv/lab.yml': 'plugin: marshal_lab\nlab_dir: ../.lab\n', '.lab/inventory.yml': LAB_INVENTORY });
    const inv = await loadInventory(['inv/lab.yml'], { cwd: dir });
    expect(selectHosts(inv, 'lab')).toEqual(['lab-node1', 'lab-node2', 'lab-node3']);
    expect(inv.hosts.get('lab-node2')?.vars).toEqual({ ansible_host: '127.0.0.1', marshal_known_hosts: 'known_hosts' });
    expect(inv.sources).toContain(join(dir, '.lab/inventory.yml'));
  });

  it('group_vars beside the plugin file apply, as for any inventory file', async () => {
    const dir = tree({ 'lab.yml': 'plugin: marshal_lab\nlab_dir: state\n', 'state/inventory.yml': LAB_INVENTORY, 'group_vars/lab.yml': 'ansible_user: tester\n' });
    const inv = await loadInventory(['lab.yml'], { cwd: dir });
    expect(inv.hosts.get('lab-node1')?.vars.ansible_user).toBe('tester');
  });

  it('says the lab is not running when inventory.yml is missing', async () => {
    const dir = tree({ 'lab.yml': '# the lab\nplugin: marshal_lab\nlab_dir: .lab\n' });
    const err = (await loadInventory(['lab.yml'], { cwd: dir }).catch((e: unknown) => e)) as InventoryError;
    expect(err).toBeInstanceOf(InventoryError);
    expect(err.file).toBe(join(dir, 'lab.yml'));
    expect(err.line).toBe(3);
    expect(err.message).toContain('the lab is not running: run `marshal lab up`');
    expect(err.located).toContain(`${join(dir, 'lab.yml')}:3: the lab is not running`);
  });

  it('follows MARSHAL_LAB_DIR, as `marshal lab up` does', async () => {
    const dir = tree({ 'lab.yml': 'plugin: marshal_lab\nlab_dir: nowhere\n', 'elsewhere/inventory.yml': 'all:\n  hosts:\n    moved-node:\n' });
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
    const dir = tree({ 'lab.yml': 'plugin: marshal_lab\n' });
    await expect(loadInventory(['lab.yml'], { cwd: dir })).rejects.toThrow(/needs `lab_dir/);
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
