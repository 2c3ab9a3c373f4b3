import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/errors';
import { applyLimit, loadInventory, selectHosts, splitHostPattern } from '../../src/inventory';
import { tree } from './helpers';

const INI = `[web]
web1
web2
web3
[db]
db1
db2
[db:children]
replicas
[replicas]
db-r1
[edge]
127.0.0.1
127.0.0.2
`;

async function inv() {
  const dir = tree({ hosts: INI });
  return loadInventory(['hosts'], { cwd: dir });
}

describe('host patterns', () => {
  it('splits like Ansible: commas, colons, but not inside ranges or addresses', () => {
    expect(splitHostPattern('a,b[1], c[2:3] , d')).toEqual(['a', 'b[1]', 'c[2:3]', 'd']);
    expect(splitHostPattern('web:db:!web1')).toEqual(['web', 'db', '!web1']);
    expect(splitHostPattern('web[1:2]')).toEqual(['web[1:2]']);
    expect(splitHostPattern('127.0.0.1')).toEqual(['127.0.0.1']);
  });

  it('selects groups through children, globs, regexes, unions, intersections, exclusions, slices', async () => {
    const i = await inv();
    expect(selectHosts(i, 'all')).toEqual(['web1', 'web2', 'web3', 'db1', 'db2', '127.0.0.1', '127.0.0.2', 'db-r1']);
    expect(selectHosts(i, '*')).toEqual(selectHosts(i, 'all'));
    expect(selectHosts(i, 'db')).toEqual(['db1', 'db2', 'db-r1']);
    expect(selectHosts(i, 'web*')).toEqual(['web1', 'web2', 'web3']);
    expect(selectHosts(i, '127.0.0.*')).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(selectHosts(i, '~db-?r')).toEqual(['db-r1']);
    expect(selectHosts(i, 'web:db')).toEqual(['web1', 'web2', 'web3', 'db1', 'db2', 'db-r1']);
    expect(selectHosts(i, 'web,&web[1:],!web3')).toEqual(['web2']);
    expect(selectHosts(i, '!db')).toEqual(['web1', 'web2', 'web3', '127.0.0.1', '127.0.0.2']);
    expect(selectHosts(i, 'db[0]')).toEqual(['db1']);
    expect(selectHosts(i, 'web[1:3]')).toEqual(['web2', 'web3']);
    expect(selectHosts(i, 'web[-1]')).toEqual(['web3']);
    expect(selectHosts(i, 'db2:web1')).toEqual(['db2', 'web1']);
  });

  it('refuses names that match nothing, naming them', async () => {
    const i = await inv();
    expect(() => selectHosts(i, 'web:nope')).toThrow(InventoryError);
    expect(() => selectHosts(i, 'web:nope')).toThrow("host pattern: no host or group matches 'nope'");
    expect(() => selectHosts(i, 'zz*')).toThrow(/no host or group matches 'zz\*'/);
    expect(() => selectHosts(i, 'web[7]')).toThrow(/no hosts matched the subscripted pattern 'web\[7\]'/);
    expect(() => selectHosts(i, '~web(')).toThrow(/Invalid host list pattern/);
    // implicit localhost is not added
    expect(() => selectHosts(i, 'localhost')).toThrow(/'localhost'/);
  });

  it('applyLimit keeps the play order and names the --limit', async () => {
    const i = await inv();
    const play = selectHosts(i, 'all');
    expect(applyLimit(i, play, 'db-r1,web2')).toEqual(['web2', 'db-r1']);
    expect(applyLimit(i, play, 'all:!web')).toEqual(['db1', 'db2', '127.0.0.1', '127.0.0.2', 'db-r1']);
    expect(applyLimit(i, play, undefined)).toEqual(play);
    expect(() => applyLimit(i, play, 'foo')).toThrow("--limit: no host or group matches 'foo'");
  });

  it('limit @file reads one pattern per line', async () => {
    const i = await inv();
    const dir = tree({ 'retry.txt': 'web3\ndb1\n' });
    expect(applyLimit(i, selectHosts(i, 'all'), `@${dir}/retry.txt`)).toEqual(['web3', 'db1']);
  });
});
