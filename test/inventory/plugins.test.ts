import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/errors';
import { loadInventory, registerInventoryPlugin, selectHosts } from '../../src/inventory';
import { tree as makeTree } from './helpers';

const made: string[] = [];
const tree = (files: Record<string, string>): string => {
  const dir = makeTree(files);
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('inventory plugins', () => {
  it('an unknown plugin is an error listing the known ones and saying how plugins are declared', async () => {
    registerInventoryPlugin('test_known', () => undefined);
    const dir = tree({ 'aws.yml': 'plugin: amazon.aws.aws_ec2\nregions: [x]\n' });
    const err = (await loadInventory(['aws.yml'], { cwd: dir }).catch((e: unknown) => e)) as InventoryError;
    expect(err).toBeInstanceOf(InventoryError);
    expect(err.message).toMatch(/unknown inventory plugin 'amazon.aws.aws_ec2' \(known: .*test_known/);
    expect(err.message).toContain('"marshal": { "plugins": ["<package>"] }');
    expect(err.line).toBe(1);
  });

  it('the core registers none: marshal_lab is unknown until a plugin adds it', async () => {
    const dir = tree({ 'lab.yml': 'plugin: marshal_lab\nlab_dir: .lab\n' });
    const err = (await loadInventory(['lab.yml'], { cwd: dir }).catch((e: unknown) => e)) as InventoryError;
    expect(err.located).toMatch(/lab\.yml:1: unknown inventory plugin 'marshal_lab' \(known: (?!.*marshal_lab)/);
  });

  it('other plugins can be registered', async () => {
    registerInventoryPlugin('test_static', ({ config, builder }) => {
      const group = builder.addGroup(String(config.group));
      for (const h of config.hosts as string[]) builder.addHost(h, group);
    });
    const dir = tree({ 'p.yaml': 'plugin: test_static\ngroup: made\nhosts: [x1, x2]\n' });
    const inv = await loadInventory(['p.yaml'], { cwd: dir });
    expect(selectHosts(inv, 'made')).toEqual(['x1', 'x2']);
  });
});
