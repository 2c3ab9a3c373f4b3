import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/errors';
import { loadInventory } from '../../src/inventory';
import { tree } from './helpers';

/** Loads `content` as file `name` and returns the InventoryError it must raise. */
async function failure(name: string, content: string): Promise<InventoryError> {
  const dir = tree({ [name]: content });
  const err = await loadInventory([name], { cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InventoryError);
  const ie = err as InventoryError;
  expect(ie.file).toBe(join(dir, name));
  return ie;
}

describe('bad inventories name the file, line and problem', () => {
  const cases: Array<[string, string, string, number, RegExp]> = [
    ['unclosed section', 'hosts', 'a\n\n[web\nb\n', 3, /unclosed section header '\[web'/],
    ['bad k=v on a host line', 'hosts', '[web]\nw1 port 22\n', 2, /Expected key=value host variable assignment, got: port/],
    ['bad k=v in :vars', 'hosts', '[web]\nw1\n[web:vars]\nx=1\njunk\n', 5, /Expected key=value, got: junk/],
    ['unequal padded range', 'hosts', '[web]\nweb[01:100]\n', 2, /equal-length begin and end/],
    ['range without an end', 'hosts', '[web]\nweb[1:]\n', 2, /must specify end value/],
    ['range that is not a range', 'hosts', '[web]\nweb[1-3]\n', 2, /begin:end or begin:end:step/],
    ['unclosed quote', 'hosts', '[web]\nw1 motd="hello\n', 2, /No closing quotation/],
    ['unknown section type', 'hosts', '[web]\nw1\n\n[web:foo]\n', 4, /Section \[web:foo\] has unknown type: foo/],
    ['vars for an undefined group', 'hosts', '[ghost:vars]\nx=1\n', 1, /not valid for undefined group: ghost/],
    ['children naming an undefined group', 'hosts', '[a:children]\nnope\n', 2, /includes undefined group: nope/],
    ['children naming a host', 'hosts', 'h1\n[a]\nh2\n[b:children]\na\nh1\n', 6, /includes 'h1', which is a host, not a group/],
    ['a group that is its own child', 'hosts', '[a]\nx\n[a:children]\na\n', 4, /'a' cannot be its own child/],
    ['a cycle', 'hosts', '[a]\n[b]\n[c]\n[a:children]\nb\n[b:children]\nc\n[c:children]\na\n', 9, /recursive dependency loop \(a -> b -> c -> a\)/],
    ['invalid section entry', 'hosts', '[web servers]\n', 1, /Invalid section entry/],
    ['a port-less colon', 'hosts', '[web]\nw1:\n', 2, /ending in ':' is not allowed/],
    ['YAML syntax error', 'inv.yml', 'all:\n  hosts:\n    a: {b: 1\n  vars:\n', 4, /YAML syntax error/],
    ['YAML hosts as a list', 'inv.yml', 'web:\n  hosts:\n    - a\n    - b\n', 3, /Invalid "hosts" entry for "web" group, requires a dictionary, found a list/],
    ['YAML numeric host name', 'inv.yml', 'web:\n  hosts:\n    12:\n', 3, /Host pattern 12 must be a string/],
    ['YAML host vars not a mapping', 'inv.yml', 'web:\n  hosts:\n    a: [1]\n', 3, /vars of host 'a' in group 'web' must be a mapping/],
    ['YAML cycle', 'inv.yml', 'a:\n  children:\n    b:\n      children:\n        a:\n', 3, /recursive dependency loop/],
    ['YAML bad range', 'inv.yml', 'web:\n  hosts:\n    w[3:1x]:\n', 3, /invalid host range/],
    ['YAML children naming a host', 'inv.yml', 'web:\n  hosts:\n    w1:\nother:\n  children:\n    w1:\n', 6, /names 'w1', which is a host, not a group/],
    ['YAML not a mapping', 'inv.yml', '- a\n- b\n', 1, /should be a dictionary/],
    ['broken YAML without extension', 'hosts', 'all:\n  hosts:\n  a: b: c\n', 3, /YAML syntax error/],
  ];
  for (const [what, name, content, line, message] of cases) {
    it(what, async () => {
      const err = await failure(name, content);
      expect(err.message).toMatch(message);
      expect(err.line).toBe(line);
      expect(err.located).toContain(`${name}:${line}: `);
    });
  }

  it('a missing source is an error naming it', async () => {
    const dir = tree({});
    await expect(loadInventory(['nope.ini'], { cwd: dir })).rejects.toThrow(/inventory source not found: .*nope\.ini/);
  });

  it('a group_vars file that is not a mapping names its file', async () => {
    const dir = tree({ hosts: '[web]\nw1\n', 'group_vars/web.yml': '- a\n' });
    const err = await loadInventory(['hosts'], { cwd: dir }).catch((e: InventoryError) => e);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as InventoryError).file).toBe(join(dir, 'group_vars/web.yml'));
    expect((err as InventoryError).message).toMatch(/must hold a mapping/);
  });

  it('a vault-encrypted vars file without a vault password is refused, not misread', async () => {
    const dir = tree({ hosts: '[web]\nw1\n', 'group_vars/web.yml': '$ANSIBLE_VAULT;1.1;AES256\n6162\n' });
    await expect(loadInventory(['hosts'], { cwd: dir })).rejects.toThrow(/group_vars\/web\.yml:1 is encrypted with ansible-vault but no vault password was given/);
  });
});
