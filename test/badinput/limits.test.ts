/**
 * Every input is read through one limited reader and YAML aliases expand within bounds: a
 * billion-laughs file, /dev/zero, a FIFO or an oversized file is refused naming the file (and the
 * line of the alias), quickly and without reading it whole.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors';
import { loadInventory, applyLimit, selectHosts } from '../../src/inventory';
import { parseExtraVars } from '../../src/config/extra-vars';
import { renderFile, TemplateError } from '../../src/template';
import { DEFAULT_INPUT_LIMITS, parseSize, readLimited, setInputLimits } from '../../src/util/read-limited';
import { marshal } from '../support/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => setInputLimits(DEFAULT_INPUT_LIMITS));

function file(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** Nine levels of ten aliases: 10^9 strings once expanded. */
function billionLaughs(indent = ''): string {
  const lines = [`${indent}a0: &a0 "lol"`];
  for (let i = 1; i < 10; i++) lines.push(`${indent}a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n');
}
const BOMB_INVENTORY = `all:\n  vars:\n${billionLaughs('    ')}\n  hosts:\n    h1:\n      bomb: *a9\n`;

async function rejection(p: Promise<unknown>): Promise<UsageError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  return err as UsageError;
}

describe('YAML alias expansion is bounded', () => {
  it('a billion-laughs inventory is refused at the alias that crosses the limit, with file and line', async () => {
    const inv = file('lol.yml', BOMB_INVENTORY);
    const t0 = performance.now();
    const err = await rejection(loadInventory([inv]));
    expect(err.file).toBe(inv);
    expect(err.line).toBeGreaterThanOrEqual(4);
    expect(err.message).toMatch(/YAML aliases expand the document past the input size limit of 8 MiB/);
    expect(performance.now() - t0).toBeLessThan(20_000); // generous: it ran for minutes before
  });

  it('a billion-laughs group_vars file and -e @file are refused the same way', async () => {
    const inv = file('gv/hosts.yml', 'all:\n  hosts:\n    h1:\n');
    const gv = file('gv/group_vars/all.yml', `${billionLaughs()}\nbomb: *a9\n`);
    expect((await rejection(loadInventory([inv]))).file).toBe(gv);
    const ev = file('lol-vars.yml', `${billionLaughs()}\nbomb: *a9\n`);
    expect(() => parseExtraVars([`@${ev}`])).toThrow(/YAML aliases expand the document past/);
  });

  it('too many aliases are refused (--max-yaml-aliases), fewer are expanded as before', async () => {
    const merges = ['all:', '  vars:', '    d: &d {ansible_user: root, ansible_port: 22}', '  hosts:'];
    for (let i = 0; i < 50; i++) merges.push(`    h${i}:`, '      <<: *d', `      n: ${i}`);
    const inv = file('merges.yml', merges.join('\n') + '\n');
    const loaded = await loadInventory([inv]);
    expect(loaded.hosts.get('h49')!.vars).toMatchObject({ ansible_user: 'root', ansible_port: 22, n: 49 });
    setInputLimits({ maxAliases: 10 });
    const err = await rejection(loadInventory([inv]));
    expect(err.message).toMatch(/more than 10 aliases/);
    expect([err.file, err.line]).toEqual([inv, 6 + 3 * 10]); // the 11th `<<: *d`
  });

  it('a recursive alias is refused with its line', async () => {
    const inv = file('rec.yml', 'all:\n  vars:\n    a: &x\n      - 1\n      - *x\n');
    const err = await rejection(loadInventory([inv]));
    expect([err.line, err.message]).toEqual([5, 'YAML alias *x refers to a node that contains it (a recursive structure)']);
  });

  it('11,000 hosts that each merge the same defaults load in seconds (they took minutes)', async () => {
    const lines = ['all:', '  vars:', '    d: &d {ansible_user: root, ansible_port: 22}', '  hosts:'];
    for (let i = 0; i < 11_000; i++) lines.push(`    h${i}:`, '      <<: *d');
    const inv = file('fleet.yml', lines.join('\n') + '\n');
    const t0 = performance.now();
    const loaded = await loadInventory([inv]);
    expect(loaded.hosts.size).toBe(11_000);
    expect(loaded.hosts.get('h10999')!.vars.ansible_user).toBe('root');
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});

describe('inputs that are not regular files or are too large', () => {
  it('/dev/zero as -e @file, inventory, --limit @file and template: refused by name, not read', async () => {
    expect(() => parseExtraVars(['@/dev/zero'])).toThrow('--extra-vars: cannot read: it is a character device, not a regular file');
    const err = await rejection(loadInventory(['/dev/zero']));
    expect([err.file, err.message]).toEqual(['/dev/zero', 'cannot read: it is a character device, not a regular file']);
    const inv = await loadInventory([file('ok.ini', 'web1\n')]);
    expect(() => applyLimit(inv, ['web1'], '@/dev/zero')).toThrow(/--limit @file: cannot read: it is a character device/);
    expect(() => renderFile('/dev/zero', {})).toThrow(TemplateError);
  });

  it('a FIFO is refused without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo.yml');
    execFileSync('mkfifo', [fifo]);
    try {
      expect(() => readLimited(fifo)).toThrow('cannot read: it is a FIFO, not a regular file');
      expect(() => parseExtraVars([`@${fifo}`])).toThrow(/a FIFO/);
    } finally {
      rmSync(fifo, { force: true });
    }
  });

  it('a directory where a file is expected (-e @dir, --limit @dir)', async () => {
    expect(() => parseExtraVars([`@${dir}`])).toThrow('--extra-vars: cannot read: it is a directory, not a regular file');
    const inv = await loadInventory([file('ok2.ini', 'web1\n')]);
    expect(() => applyLimit(inv, ['web1'], `@${dir}`)).toThrow(/it is a directory/);
  });

  it('a file over --max-input-size is refused before it is read, naming file and size', async () => {
    const big = file('big.ini', `web1 x=${'y'.repeat(3000)}\n`);
    setInputLimits({ maxBytes: '2KiB' });
    const err = await rejection(loadInventory([big]));
    expect(err.file).toBe(big);
    expect(err.message).toBe('cannot read: the file is 2.9 KiB, over the input size limit of 2 KiB (raise it with --max-input-size or MARSHAL_MAX_INPUT_SIZE)');
    expect(() => parseExtraVars([`@${big}`])).toThrow(/over the input size limit of 2 KiB/);
  });

  it('a template that renders past the limit is a TemplateError naming it', () => {
    const tpl = file('t/many.hbs', '{{#each items}}{{this}}{{/each}}\n');
    setInputLimits({ maxBytes: 1000 });
    expect(() => renderFile(tpl, { items: Array(200).fill('0123456789') })).toThrow(/many\.hbs: renders to 2 KiB, over the input size limit/);
  });

  it('sizes parse with units; nonsense is a usage error', () => {
    expect(parseSize('8MiB', 'x')).toBe(8 * 1024 * 1024);
    expect(parseSize('512k', 'x')).toBe(512 * 1024);
    expect(parseSize(4096, 'x')).toBe(4096);
    expect(() => parseSize('lots', '--max-input-size')).toThrow('--max-input-size: expected a size such as 8MiB, 512KiB or 1048576, got "lots"');
  });
});

describe('--limit @file (applyLimit)', () => {
  it('reads names relative to cwd; a missing or empty file is a clear error', async () => {
    const inv = await loadInventory([file('lim/hosts.ini', 'web1\nweb2\ndb1\n')]);
    file('lim/retry.txt', 'db1\r\nweb2\n');
    const all = selectHosts(inv, 'all');
    expect(applyLimit(inv, all, '@retry.txt', { cwd: join(dir, 'lim') })).toEqual(['web2', 'db1']);
    expect(() => applyLimit(inv, all, '@nope.txt', { cwd: join(dir, 'lim') })).toThrow(/--limit @file: cannot read: ENOENT/);
    file('lim/empty.txt', '\n');
    // before, an empty retry file selected every host
    expect(() => applyLimit(inv, all, '@empty.txt', { cwd: join(dir, 'lim') })).toThrow("--limit: '@empty.txt' names no hosts");
  });
});

describe('through the CLI', () => {
  it('marshal inventory --list on a billion-laughs inventory: exit 1, file and line, in seconds', async () => {
    const inv = file('cli-lol.yml', BOMB_INVENTORY);
    const r = await marshal(['inventory', '-i', inv, '--list'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ERROR! ${inv}:\\d+: YAML aliases expand the document past the input size limit of 8 MiB`));
  });

  it('--max-input-size and MARSHAL_MAX_INPUT_SIZE set the limit', async () => {
    const inv = file('cli-small.ini', `web1 x=${'y'.repeat(2000)}\n`);
    const flag = await marshal(['inventory', '-i', inv, '--list', '--max-input-size', '1KiB']);
    expect(flag.stderr).toBe(`ERROR! ${inv}: cannot read: the file is 2 KiB, over the input size limit of 1 KiB (raise it with --max-input-size or MARSHAL_MAX_INPUT_SIZE)\n`);
    const env = await marshal(['inventory', '-i', inv, '--list'], { env: { MARSHAL_MAX_INPUT_SIZE: '1k' } });
    expect(env.code).toBe(1);
    expect((await marshal(['inventory', '-i', inv, '--list'])).code).toBe(0);
  });
});
