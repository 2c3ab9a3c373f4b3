import { describe, expect, it } from 'vitest';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { step, across, unchanged } from '../../src/dsl/step';
import { byVar } from '../../src/dsl/group';
import { expectEqual } from '../../src/dsl/expect';
import { sh } from '../../src/dsl/command';
import { ConnectionError, UsageError } from '../../src/errors';
import type { StepResult } from '../../src/results/results';
import { fakeConnector, memoryInventory } from '../support/fake';

/** A tiny key-value "host": `get K`, `set K V`. */
function kvHosts() {
  const state = new Map<string, Map<string, string>>();
  const handler = (host: string, cmd: string) => {
    const m = state.get(host) ?? new Map<string, string>();
    state.set(host, m);
    const [op, k, v] = cmd.split(' ');
    if (op === 'get') return { stdout: m.get(k!) ?? '', exitCode: 0 };
    if (op === 'set') {
      m.set(k!, v!);
      return { exitCode: 0 };
    }
    if (op === 'false') return { exitCode: 1, stderr: 'no good\n' };
    return { exitCode: 127, stderr: `${op}: not found` };
  };
  return { state, handler };
}

const inv = memoryInventory({ web: { a: {}, b: {}, c: {} } });

const setStep = (key: string, value: string) =>
  step({
    name: `set ${key}`,
    check: async (h) => (await h.run(sh`get ${key}`)).stdout === value,
    run: (h) => h.run(sh`set ${key} ${value}`),
    verify: async (h) => expectEqual((await h.run(sh`get ${key}`)).stdout, value, key),
  });

describe('engine: check → run → verify', () => {
  it('changes once, then reports ok on a second run', async () => {
    const { handler, state } = kvHosts();
    const { connect } = fakeConnector(handler);
    const pb = playbook({ name: 'kv', hosts: 'web', steps: [setStep('x', '1'), setStep('y', '2')] });
    const first = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(first.exitCode).toBe(0);
    expect(Object.values(first.stats).map((s) => s.changed)).toEqual([2, 2, 2]);
    expect(state.get('b')?.get('y')).toBe('2');
    const second = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(Object.values(second.stats).map((s) => [s.ok, s.changed])).toEqual([[2, 0], [2, 0], [2, 0]]);
  });

  it('--check runs checks only and predicts changes', async () => {
    const { handler, state } = kvHosts();
    const { connect } = fakeConnector(handler);
    const pb = playbook({ name: 'kv', hosts: 'web', steps: [setStep('x', '1')] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect, check: true });
    expect(s.results.every((r) => r.status === 'changed' && r.predicted === true)).toBe(true);
    expect([...state.values()].every((m) => !m.has('x'))).toBe(true);
  });

  it('--check: an assertion of what a predicted change makes is skipped with a note; without a predicted change it still fails', async () => {
    const { handler } = kvHosts();
    const { connect } = fakeConnector(handler);
    // settle 600: after a predicted change the assertion reads once (a wait here would time the test out)
    const assertX = step({ name: 'x is 1', settle: 600, verify: async (h) => expectEqual((await h.run(sh`get x`)).stdout, '1', 'x') });
    const pb = playbook({ name: 'kv', hosts: 'web', steps: [setStep('x', '1'), assertX] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect, check: true });
    expect(s.exitCode).toBe(0);
    const asserted = s.results.filter((r) => r.step === 'x is 1');
    expect(asserted.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(asserted[0]).toMatchObject({ reason: 'check mode: the assertion depends on an earlier predicted change' });
    const alone = await runPlaybook({ playbook: playbook({ name: 'kv', hosts: 'web', steps: [{ ...assertX, settle: 0 }] }), inventory: inv, connect, check: true });
    expect(alone.exitCode).toBe(2);
    expect(alone.results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
  });

  it('a failing verify fails that host with expected and seen; others finish; exit 2', async () => {
    const { handler } = kvHosts();
    const lying = (host: string, cmd: string) => (host === 'b' && cmd.startsWith('set') ? { exitCode: 0 } : handler(host, cmd));
    const { connect } = fakeConnector(lying);
    const pb = playbook({ name: 'kv', hosts: 'web', steps: [setStep('x', '1'), setStep('y', '2')] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(s.exitCode).toBe(2);
    const failed = s.results.find((r) => r.status === 'failed') as Extract<StepResult, { status: 'failed' }>;
    expect(failed.host).toBe('b');
    expect(failed.failure.kind).toBe('verify');
    expect(failed.failure.message).toBe('x: expected 1, saw "" (get x)');
    // b left the play; a and c ran the second step
    expect(s.results.filter((r) => r.step === 'set y').map((r) => r.host)).toEqual(['a', 'c']);
  });

  it('an unreachable host gives exit 4 and the others finish', async () => {
    const { handler } = kvHosts();
    const { connect: base } = fakeConnector(handler);
    const connect = async (host: string, vars: Record<string, unknown>) => {
      if (host === 'c') throw new ConnectionError('unreachable', 'c: connection refused (127.0.0.9:22)');
      return base(host);
    };
    const pb = playbook({ name: 'kv', hosts: 'web', steps: [setStep('x', '1')] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(s.exitCode).toBe(4);
    expect(s.stats.c!.unreachable).toBe(1);
    expect(s.stats.a!.changed).toBe(1);
  });

  it('a step timeout stops the step and says so', async () => {
    const { connect } = fakeConnector(() => new Promise(() => undefined));
    const pb = playbook({ name: 't', hosts: 'a', steps: [step({ name: 'hang', timeout: 0.2, run: (h) => h.run(sh`sleep 100`) })] });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect });
    const r = s.results[0] as Extract<StepResult, { status: 'failed' }>;
    expect(r.failure.kind).toBe('timeout');
    expect(r.failure.message).toContain('sleep 100');
  });

  it('retries with until, and unchanged() reports ok', async () => {
    let n = 0;
    const { connect } = fakeConnector(() => ({ stdout: String(++n) }));
    const pb = playbook({
      name: 'r',
      hosts: 'a',
      steps: [
        step({ name: 'count', retries: 5, delay: 0, run: async (h) => Number((await h.run(sh`next`)).stdout), until: (v) => (v as number) >= 3, register: 'n' }),
        step({ name: 'noop', run: () => unchanged() }),
      ],
    });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(s.results.map((r) => r.status)).toEqual(['changed', 'ok']);
    expect(n).toBe(3);
  });

  it('across pair: a failure on one host stops its partner before any change', async () => {
    const pairs = memoryInventory({ source: { s1: { pair: 'p1' }, s2: { pair: 'p2' } }, destination: { d1: { pair: 'p1' }, d2: { pair: 'p2' } } });
    const { handler, state } = kvHosts();
    const { connect } = fakeConnector((host, cmd) => (host === 'd1' && cmd === 'preflight' ? { exitCode: 1, stderr: 'old firmware' } : cmd === 'preflight' ? {} : handler(host, cmd)));
    const pb = playbook({
      name: 'p',
      hosts: 'source:destination',
      steps: [
        step({ name: 'preflight', verify: async (h) => void (await h.run(sh`preflight`)) }),
        across({ name: 'pair ready', across: byVar('pair'), verify: (g) => expectEqual(g.one('source').vars.pair, g.one('destination').vars.pair) }),
        setStep('x', '1'),
      ],
    });
    const s = await runPlaybook({ playbook: pb, inventory: pairs, connect });
    expect(s.exitCode).toBe(2);
    expect(state.get('s1')?.get('x')).toBeUndefined();
    expect(state.get('s2')?.get('x')).toBe('1');
    const s1 = s.results.find((r) => r.host === 's1' && r.step === 'pair ready') as Extract<StepResult, { status: 'failed' }>;
    expect(s1.failure.message).toContain('d1 failed at "preflight"');
  });

  it('serial batches and max_fail_percentage stop the play', async () => {
    const many = memoryInventory({ all4: { h1: {}, h2: {}, h3: {}, h4: {} } });
    const { connect } = fakeConnector((host) => (host === 'h1' ? { exitCode: 1 } : {}));
    const pb = playbook({ name: 's', hosts: 'all4', serial: 2, maxFailPercentage: 40, steps: [step({ name: 'x', run: (h) => h.run(sh`x`) })] });
    const s = await runPlaybook({ playbook: pb, inventory: many, connect });
    expect(s.aborted).toMatch(/max_fail_percentage/);
    expect(s.results.map((r) => r.host)).toEqual(['h1', 'h2']);
  });

  it('missing required vars are a usage error before anything runs', async () => {
    const { connect, conns } = fakeConnector(() => ({}));
    const pb = playbook<{ pf_pci: string }>({ name: 'v', hosts: 'web', requires: ['pf_pci'], steps: [step({ name: 'x', run: (h) => h.run(sh`x`) })] });
    await expect(runPlaybook({ playbook: pb, inventory: inv, connect })).rejects.toThrow(UsageError);
    expect(conns.size).toBe(0);
  });

  it('secrets never reach results', async () => {
    const { connect } = fakeConnector(() => ({ exitCode: 1, stderr: 'bad token hunter2-secret\n' }));
    const secretInv = memoryInventory({ web: { a: { api_token: 'hunter2-secret' } } });
    const pb = playbook({ name: 'sec', hosts: 'a', steps: [step({ name: 'use', run: (h) => h.run(sh`login ${String(h.vars.api_token)}`) })] });
    const s = await runPlaybook({ playbook: pb, inventory: secretInv, connect });
    expect(JSON.stringify(s)).not.toContain('hunter2-secret');
    expect(JSON.stringify(s)).toContain('********');
  });
});

describe('engine: serial batches keep pairs together', () => {
  it('batchBy pair puts a source and its destination in the same batch', async () => {
    const pairs = memoryInventory({
      source: { s1: { pair: 'p1' }, s2: { pair: 'p2' }, s3: { pair: 'p3' } },
      destination: { d1: { pair: 'p1' }, d2: { pair: 'p2' }, d3: { pair: 'p3' } },
    });
    const batches: string[][] = [];
    const { connect } = fakeConnector(() => ({}));
    const pb = playbook({
      name: 'b',
      hosts: 'source:destination',
      serial: 2,
      batchBy: byVar('pair'),
      steps: [across({ name: 'pair', across: byVar('pair'), verify: (g) => expectEqual(g.hosts.length, 2, 'hosts in the pair') })],
    });
    const s = await runPlaybook({ playbook: pb, inventory: pairs, connect, reporters: [{ batchStart: (b) => batches.push(b) }] });
    expect(s.exitCode).toBe(0);
    expect(batches).toEqual([['s1', 's2', 'd1', 'd2'], ['s3', 'd3']]);
  });
});
