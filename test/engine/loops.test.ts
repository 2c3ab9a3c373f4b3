/** loop(): items known at run time, one result per item, Ansible's failure semantics; typed register. */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { register, step } from '../../src/dsl/step';
import { loop } from '../../src/dsl/loop';
import { sh } from '../../src/dsl/command';
import { isPlaybookError } from '../../src/errors';
import * as ops from '../../src/ops/index';
import { ConsoleReporter } from '../../src/report/console';
import type { LoopItemResult } from '../../src/dsl/types';
import { fakeConnector, memoryInventory } from '../support/fake';
import { runLocal, tempDir } from '../ops/helpers';

/** Hosts holding a key-value store: `get K`, `set K V`, `list` (the keys wanted, one a line), `fail`. */
function hosts(wanted: Record<string, string[]>) {
  const kv = new Map<string, Map<string, string>>();
  const log: string[] = [];
  const t = fakeConnector((host, cmd) => {
    const m = kv.get(host) ?? (kv.set(host, new Map()), kv.get(host)!);
    if (cmd.includes('pending-handlers')) return cmd.includes('ls -1') ? { stdout: '' } : {};
    log.push(`${host} ${cmd}`);
    const [op, k, v] = cmd.split(' ');
    if (op === 'list') return { stdout: wanted[host]!.join('\n') };
    if (op === 'get') return { stdout: m.get(k!) ?? '' };
    if (op === 'set') return k === 'bad' ? { exitCode: 3, stderr: 'cannot set bad' } : (m.set(k!, v!), {});
    return {};
  });
  return { kv, log, ...t };
}

const inv = memoryInventory({ web: { a: {}, b: {} } });

/** Sets each key the host lists to "on"; registers what each set returned. */
const keys = loop({
  name: 'keys on',
  items: async (h) => (await h.run(sh`list`)).stdout.split('\n').filter(Boolean),
  check: async (h, key) => (await h.run(sh`get ${key}`)).stdout === 'on',
  run: async (h, key) => {
    await h.run(sh`set ${key} on`);
    return key.length;
  },
  verify: async (h, key) => (await h.run(sh`get ${key}`)).stdout === 'on',
  register: 'keys',
});

function sink() {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => ((text += c.toString()), cb()) });
  return { out, text: () => text };
}

describe('loop()', () => {
  it('runs check → run → verify per item of a list known only at run time; one result per item in results, console and recap', async () => {
    const t = hosts({ a: ['x', 'y'], b: ['z'] });
    t.kv.set('a', new Map([['x', 'on']]));
    const console = sink();
    const pb = playbook({ name: 'l', hosts: 'web', steps: [keys] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect, reporters: [new ConsoleReporter({ out: console.out, color: false })] });
    expect(s.exitCode).toBe(0);
    expect(s.results.map((r) => [r.host, r.step, r.status, r.item?.label]).sort((x, y) => x[0]!.localeCompare(y[0]!))).toEqual([
      ['a', 'keys on (x)', 'ok', 'x'],
      ['a', 'keys on (y)', 'changed', 'y'],
      ['b', 'keys on (z)', 'changed', 'z'],
    ]);
    expect(s.stats.a).toMatchObject({ ok: 2, changed: 1 });
    expect(s.stats.b).toMatchObject({ ok: 1, changed: 1 });
    expect(console.text()).toContain('ok: [a] => (item=x)');
    expect(console.text()).toContain('changed: [a] => (item=y)');
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a list', 'a get x', 'a get y', 'a set y on', 'a get y']);
  });

  it('one failed item fails the step on that host after the other items ran; the host leaves the play', async () => {
    const t = hosts({ a: ['x', 'bad', 'y'], b: ['z'] });
    const pb = playbook({ name: 'l', hosts: 'web', steps: [keys, step({ name: 'after', run: (h) => h.run(sh`after`) })] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(s.exitCode).toBe(2);
    expect(s.results.filter((r) => r.host === 'a').map((r) => `${r.step}: ${r.status}`)).toEqual(['keys on (x): changed', 'keys on (bad): failed', 'keys on (y): changed']);
    expect(s.results.find((r) => r.status === 'failed')).toMatchObject({ failure: { kind: 'command', exitCode: 3 } });
    expect(t.log).toContain('a set y on');
    expect(t.log).not.toContain('a after');
    expect(t.log).toContain('b after');
    expect(s.stats.a).toMatchObject({ failed: 1, changed: 2 });
  });

  it('registers the list of per-item results, typed, read back with h.get', async () => {
    const t = hosts({ a: ['x', 'y'], b: [] });
    t.kv.set('a', new Map([['x', 'on']]));
    let seen: unknown;
    const report = step({
      name: 'report',
      verify: (h) => {
        const r = h.get(keys);
        expectTypeOf(r).toEqualTypeOf<LoopItemResult<string, number>[]>();
        seen = r;
      },
      hosts: 'a',
    });
    const s = await runPlaybook({ playbook: playbook({ name: 'l', hosts: 'web', steps: [keys, report] }), inventory: inv, connect: t.connect });
    expect(seen).toEqual([
      { item: 'x', label: 'x', status: 'ok' },
      { item: 'y', label: 'y', status: 'changed', value: 1 },
    ]);
    // no items: one skipped result, as Ansible's "no items"
    expect(s.results.find((r) => r.host === 'b')).toMatchObject({ step: 'keys on', status: 'skipped', reason: 'no items' });
  });

  it('a changed item notifies the loop\'s handler once', async () => {
    const t = hosts({ a: ['x', 'y'], b: ['z'] });
    t.kv.set('b', new Map([['z', 'on']]));
    const notifying = loop({ name: 'keys', items: (h) => (h.name === 'a' ? ['x', 'y'] : ['z']), check: async (h, k) => (await h.run(sh`get ${k}`)).stdout === 'on', run: (h, k) => h.run(sh`set ${k} on`), notify: 'reload' });
    const pb = playbook({ name: 'l', hosts: 'web', steps: [notifying], handlers: [step({ name: 'reload', run: (h) => h.run(sh`reload`) })] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(s.exitCode).toBe(0);
    expect(t.log.filter((l) => l.endsWith('reload'))).toEqual(['a reload']);
  });

  it('bad loop options are playbook errors at the loop() line', () => {
    const attempt = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    };
    const e1 = attempt(() => loop({ name: 'x', items: 'abc' as unknown as string[], run: () => 1 }));
    expect(isPlaybookError(e1) && e1.message).toMatch(/loop "x": `items` must be a list/);
    expect((e1 as { file?: string }).file).toMatch(/loops\.test\.ts$/);
    const e2 = attempt(() => loop({ name: 'x', items: [1], run: () => 1, each: () => ops.directory({ path: '/x' }) }));
    expect(e2.message).toMatch(/give `each` \(a step per item\) or check\/run\/verify, not both/);
    const e3 = attempt(() => loop({ name: 'x', items: [1], loop: true } as never));
    expect(e3.message).toMatch(/unknown option `loop`/);
    // the Ansible habit gets the way to write it
    const e4 = attempt(() => step({ name: 'users', loop: ['ann'], run: () => 1 } as never));
    expect(e4.message).toMatch(/step "users": a step over a list is loop\(\{ name, items, run: \(h, item\) => \.\.\. \}\), not step\(\{ loop \}\)/);
  });

  it('under --check, items that depend on a change only predicted skip the loop with a note instead of failing it', async () => {
    const t = hosts({ a: [], b: [] });
    const made = step({ name: 'make list', check: async (h) => (await h.run(sh`get made`)).stdout === 'yes', run: (h) => h.run(sh`set made yes`), register: 'made' });
    const over = loop({ name: 'over the list', items: (h) => [String(h.get(made))], run: () => 1 });
    const s = await runPlaybook({ playbook: playbook({ name: 'c', hosts: 'web', steps: [made, over] }), inventory: inv, connect: t.connect, check: true });
    expect(s.exitCode).toBe(0);
    const r = s.results.find((x) => x.host === 'a' && x.step === 'over the list');
    expect(r).toMatchObject({ status: 'skipped', reason: 'check mode: the items depend on an earlier predicted change' });
    expect(r!.notes[0]).toMatch(/nothing registered as "made"/);
    // not under --check: the same failure fails the step
    const t2 = hosts({ a: [], b: [] });
    const s2 = await runPlaybook({ playbook: playbook({ name: 'c', hosts: 'web', steps: [step({ name: 'skip', when: () => false, run: () => 1, register: 'made' }), loop({ name: 'over', items: (h) => [h.registered.made], run: () => 1 }), loop({ name: 'over typed', items: (h) => [h.get(made)], run: () => 1 })] }), inventory: inv, connect: t2.connect });
    expect(s2.results.filter((x) => x.host === 'a').map((x) => `${x.step}: ${x.status}`)).toEqual(['skip: skipped', 'over (undefined): changed', 'over typed: failed']);
  });
});

describe('loop() over operations', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('each item runs an operation (ops.file), with --check and --diff per item, and is ok the second time', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    writeFileSync(join(tmp.dir, 'b.txt'), 'old\n');
    const files = loop({
      name: 'site files',
      items: () => [{ name: 'a', text: 'alpha\n' }, { name: 'b', text: 'beta\n' }],
      label: (f) => f.name,
      each: (f) => ops.file({ path: join(tmp.dir, `${f.name}.txt`), content: f.text }),
    });
    const checked = await runLocal([files], { check: true, diff: true });
    expect(checked.results.map((r) => [r.step, r.status, r.status === 'changed' && r.predicted])).toEqual([
      ['site files (a)', 'changed', true],
      ['site files (b)', 'changed', true],
    ]);
    expect(checked.results[1]!.diff).toMatch(/-old\n\+beta/);
    expect(readFileSync(join(tmp.dir, 'b.txt'), 'utf8')).toBe('old\n');
    const run = await runLocal([files], { diff: true });
    expect(run.results.map((r) => r.status)).toEqual(['changed', 'changed']);
    expect(readFileSync(join(tmp.dir, 'a.txt'), 'utf8')).toBe('alpha\n');
    const again = await runLocal([files]);
    expect(again.results.map((r) => r.status)).toEqual(['ok', 'ok']);
  });
});

describe('typed register', () => {
  it('h.get(step) has the type run returned; a register() key too; a step that did not run is a clear failure', async () => {
    const t = hosts({ a: [], b: [] });
    const version = register<string>('version');
    const read = step({ name: 'read version', readOnly: true, when: (h) => h.name === 'a', run: async (h) => (await h.run(sh`get v`)).stdout || 'none', register: version });
    const values: unknown[] = [];
    const use = step({
      name: 'use',
      verify: (h) => {
        const byStep = h.get(read);
        const byKey = h.get(version);
        expectTypeOf(byStep).toEqualTypeOf<string>();
        expectTypeOf(byKey).toEqualTypeOf<string>();
        values.push(byStep, byKey);
      },
    });
    const s = await runPlaybook({ playbook: playbook({ name: 'r', hosts: 'web', steps: [read, use] }), inventory: inv, connect: t.connect });
    expect(values).toEqual(['none', 'none']);
    const onB = s.results.find((r) => r.host === 'b' && r.step === 'use');
    expect(onB).toMatchObject({ status: 'failed', failure: { message: expect.stringMatching(/nothing registered as "version" on this host: step "read version" did not run here/) } });
    // register: 'name' keeps working, read from h.registered
    const plain = step({ name: 'plain', readOnly: true, run: () => 42, register: 'answer' });
    expect(plain.register).toBe('answer');
    // @ts-expect-error a key typed string does not fit a run that returns a number
    step({ name: 'mismatch', run: () => 1, register: version });
  });
});
