/** Handlers (notify, once per host, pending across runs) and blocks (rescue, always, rescued). */
import { describe, expect, it } from 'vitest';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { step, unchanged } from '../../src/dsl/step';
import { block } from '../../src/dsl/block';
import { flushHandlers } from '../../src/dsl/handlers';
import { sh } from '../../src/dsl/command';
import { isPlaybookError } from '../../src/errors';
import { fakeConnector, memoryInventory } from '../support/fake';

/** Hosts that remember files (`set K V`, `get K`) and the handler markers Marshal writes. */
function hosts() {
  const kv = new Map<string, Map<string, string>>();
  const markers = new Map<string, Set<string>>();
  const log: string[] = [];
  const of = <T>(m: Map<string, T>, h: string, make: () => T) => m.get(h) ?? (m.set(h, make()), m.get(h)!);
  const handler = (host: string, cmd: string) => {
    const ids = [...cmd.matchAll(/pending-handlers"\/([0-9a-f]+)/g)].map((m) => m[1]!);
    const mk = of(markers, host, () => new Set<string>());
    if (cmd.includes('ls -1')) return { stdout: [...mk].join('\n') + (mk.size ? '\n' : '') };
    if (cmd.startsWith('mkdir -p') && cmd.includes('touch')) return ids.forEach((i) => mk.add(i)), {};
    if (cmd.startsWith('rm -f')) return ids.forEach((i) => mk.delete(i)), {};
    const [op, k, v] = cmd.split(' ');
    const m = of(kv, host, () => new Map<string, string>());
    log.push(`${host} ${cmd}`);
    if (op === 'get') return { stdout: m.get(k!) ?? '' };
    if (op === 'set') return m.set(k!, v!), {};
    if (op === 'fail') return { exitCode: 1, stderr: 'failed on purpose' };
    return {};
  };
  return { kv, markers, log, ...fakeConnector(handler) };
}

const inv = memoryInventory({ web: { a: { want: '1' }, b: { want: '2' } } });
const setTo = (key: string, notify?: string | string[]) =>
  step<{ want: string }>({
    name: `set ${key}`,
    check: async (h) => (await h.run(sh`get ${key}`)).stdout === h.vars.want,
    run: (h) => h.run(sh`set ${key} ${h.vars.want}`),
    ...(notify ? { notify } : {}),
  });
const restart = (name: string) => step({ name, run: (h) => h.run(sh`restart ${name}`) });

describe('handlers', () => {
  it('run once per host at the end, in declaration order, only where a notifier changed', async () => {
    const t = hosts();
    t.kv.set('a', new Map([['x', '1']])); // already right on a: no change, no notification
    const pb = playbook({ name: 'h', hosts: 'web', steps: [setTo('x', ['second', 'first']), setTo('y', 'first')], handlers: [restart('first'), restart('second')] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(s.exitCode).toBe(0);
    const restarts = t.log.filter((l) => l.includes('restart'));
    expect(restarts).toEqual(['a restart first', 'b restart first', 'b restart second']);
    expect(s.results.filter((r) => r.step === 'first').map((r) => r.host)).toEqual(['a', 'b']);
    expect([...t.markers.values()].every((m) => m.size === 0)).toBe(true);
    // nothing changes the second time: no handler runs
    const again = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(again.results.map((r) => r.step)).not.toContain('first');
  });

  it('a notification left on the host by an earlier run runs the handler, though nothing changes now', async () => {
    const t = hosts();
    const pb = playbook({ name: 'h', hosts: 'web', steps: [setTo('x', 'first')], handlers: [restart('first')] });
    t.kv.set('a', new Map([['x', '1']]));
    t.kv.set('b', new Map([['x', '2']]));
    const first = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(first.results.map((r) => r.step)).toEqual(['set x', 'set x']);
    // a run that died after the change, before the handler: its marker is still on b
    const { markers } = t;
    const id = await (async () => {
      const probe = hosts();
      const p2 = playbook({ name: 'h', hosts: 'b', steps: [step({ name: 'set x', run: (h) => h.run(sh`set x 9`), notify: 'first' }), step({ name: 'boom', run: (h) => h.run(sh`fail`) })], handlers: [restart('first')] });
      await runPlaybook({ playbook: p2, inventory: inv, connect: probe.connect });
      return [...probe.markers.get('b')!][0]!; // left: b failed before the handlers
    })();
    markers.set('b', new Set([id]));
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.includes('restart'))).toEqual(['b restart first']);
    expect(s.results.find((r) => r.step === 'first')).toMatchObject({ host: 'b', status: 'changed' });
    expect(markers.get('b')!.size).toBe(0);
  });

  it('a notifying run that changed nothing takes its marker back', async () => {
    const t = hosts();
    const pb = playbook({ name: 'h', hosts: 'web', steps: [step({ name: 'maybe', run: () => unchanged(), notify: 'first' })], handlers: [restart('first')] });
    await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.includes('restart'))).toEqual([]);
    expect([...t.markers.values()].every((m) => m.size === 0)).toBe(true);
  });

  it('flushHandlers() runs them at that point of the play', async () => {
    const t = hosts();
    const pb = playbook({ name: 'h', hosts: 'web', steps: [setTo('x', 'first'), flushHandlers(), step({ name: 'after', run: (h) => h.run(sh`after`) })], handlers: [restart('first')] });
    await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    const order = t.log.filter((l) => l.startsWith('a ')).map((l) => l.slice(2));
    expect(order).toEqual(['get x', 'set x 1', 'restart first', 'after']);
  });

  it('a notify that names no handler is a playbook error', () => {
    expect(() => playbook({ name: 'h', hosts: 'web', steps: [setTo('x', 'nope')], handlers: [restart('first')] })).toThrow(/notifies "nope", which is not a handler/);
  });
});

describe('blocks', () => {
  const pbWith = (rescue: boolean, rescueFails = false) =>
    playbook({
      name: 'b',
      hosts: 'web',
      steps: [
        block({
          name: 'upgrade',
          steps: [step({ name: 'try', run: (h) => h.run(h.name === 'a' ? sh`fail` : sh`try`) }), step({ name: 'then', run: (h) => h.run(sh`then`) })],
          ...(rescue ? { rescue: [step({ name: 'roll back', run: (h) => h.run(rescueFails ? sh`fail` : sh`rollback`) })] } : {}),
          always: [step({ name: 'clean up', run: (h) => h.run(sh`cleanup`) })],
        }),
        step({ name: 'next', run: (h) => h.run(sh`next`) }),
      ],
    });

  it('a failure runs the rescue on that host; always runs everywhere; the host goes on, counted rescued', async () => {
    const t = hosts();
    const s = await runPlaybook({ playbook: pbWith(true), inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a fail', 'a rollback', 'a cleanup', 'a next']);
    expect(t.log.filter((l) => l.startsWith('b '))).toEqual(['b try', 'b then', 'b cleanup', 'b next']);
    expect(s.stats.a).toMatchObject({ failed: 0, rescued: 1 });
    expect(s.exitCode).toBe(0);
  });

  it('without a rescue the host runs always, then leaves the play', async () => {
    const t = hosts();
    const s = await runPlaybook({ playbook: pbWith(false), inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a fail', 'a cleanup']);
    expect(s.stats.a).toMatchObject({ failed: 1, rescued: 0 });
    expect(s.exitCode).toBe(2);
  });

  it('a rescue that fails leaves the host failed after always', async () => {
    const t = hosts();
    const s = await runPlaybook({ playbook: pbWith(true, true), inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a fail', 'a fail', 'a cleanup']);
    expect(s.stats.a).toMatchObject({ rescued: 0 });
    expect(s.stats.a!.failed).toBeGreaterThan(0);
    expect(s.exitCode).toBe(2);
  });

  const nested = (innerRescue: boolean, failIn: 'inner' | 'inner-always') =>
    playbook({
      name: 'n',
      hosts: 'web',
      steps: [
        block({
          name: 'outer',
          steps: [
            block({
              name: 'inner',
              steps: [step({ name: 'inner try', run: (h) => h.run(h.name === 'a' && failIn === 'inner' ? sh`fail` : sh`itry`) })],
              ...(innerRescue ? { rescue: [step({ name: 'inner rescue', run: (h) => h.run(sh`irescue`) })] } : {}),
              always: [step({ name: 'inner always', run: (h) => h.run(h.name === 'a' && failIn === 'inner-always' ? sh`fail` : sh`ialways`) })],
            }),
            step({ name: 'outer then', run: (h) => h.run(sh`othen`) }),
          ],
          rescue: [step({ name: 'outer rescue', run: (h) => h.run(sh`orescue`) })],
          always: [step({ name: 'outer always', run: (h) => h.run(sh`oalways`) })],
        }),
        step({ name: 'next', run: (h) => h.run(sh`next`) }),
      ],
    });

  it('nested: the inner rescue takes the failure; the outer block goes on as if nothing failed, counted rescued once', async () => {
    const t = hosts();
    const s = await runPlaybook({ playbook: nested(true, 'inner'), inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a fail', 'a irescue', 'a ialways', 'a othen', 'a oalways', 'a next']);
    expect(t.log.filter((l) => l.startsWith('b '))).toEqual(['b itry', 'b ialways', 'b othen', 'b oalways', 'b next']);
    expect(s.stats.a).toMatchObject({ failed: 0, rescued: 1 });
    expect(s.exitCode).toBe(0);
  });

  it('nested: without an inner rescue the failure reaches the outer rescue after the inner always', async () => {
    const t = hosts();
    const s = await runPlaybook({ playbook: nested(false, 'inner'), inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a fail', 'a ialways', 'a orescue', 'a oalways', 'a next']);
    expect(s.stats.a).toMatchObject({ failed: 0, rescued: 1 });
    expect(s.exitCode).toBe(0);
  });

  it("nested: a failure in the inner block's always is a failure in the outer block's steps", async () => {
    const t = hosts();
    const s = await runPlaybook({ playbook: nested(true, 'inner-always'), inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a itry', 'a fail', 'a orescue', 'a oalways', 'a next']);
    expect(s.stats.a).toMatchObject({ failed: 0, rescued: 1 });
  });

  it('nested blocks in a rescue and an always: a failing rescue without its own rescue leaves the host failed after the always', async () => {
    const t = hosts();
    const pb = playbook({
      name: 'r',
      hosts: 'web',
      steps: [
        block({
          name: 'outer',
          steps: [step({ name: 'try', run: (h) => h.run(h.name === 'a' ? sh`fail` : sh`try`) })],
          rescue: [block({ name: 'rescue block', steps: [step({ name: 'roll back', run: (h) => h.run(sh`fail`) })], always: [step({ name: 'rb always', run: (h) => h.run(sh`rbalways`) })] })],
          always: [block({ name: 'always block', steps: [step({ name: 'tidy', run: (h) => h.run(sh`tidy`) })] })],
        }),
        step({ name: 'next', run: (h) => h.run(sh`next`) }),
      ],
    });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect: t.connect });
    expect(t.log.filter((l) => l.startsWith('a '))).toEqual(['a fail', 'a fail', 'a rbalways', 'a tidy']);
    expect(t.log.filter((l) => l.startsWith('b '))).toEqual(['b try', 'b tidy', 'b next']);
    expect(s.stats.a).toMatchObject({ rescued: 0 });
    expect(s.exitCode).toBe(2);
  });

  it('two blocks with one name are a playbook error naming the first', () => {
    let err: unknown;
    try {
      playbook({ name: 'n', hosts: 'web', steps: [block({ name: 'outer', steps: [block({ name: 'outer', steps: [restart('x')] })] })] });
    } catch (e) {
      err = e;
    }
    expect(isPlaybookError(err)).toBe(true);
    expect((err as Error).message).toMatch(/duplicate block name "outer" \(first defined at .*handlers-blocks\.test\.ts:\d+\)/);
  });
});
