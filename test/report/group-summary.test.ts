import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { summarizeGroups, type GroupSummaryInput } from '../../src/results/group-summary';
import { ConsoleReporter } from '../../src/report/console';
import { emptyStats, type RunSummary, type StepResult } from '../../src/results/results';
import { playbook, step, byVar, sh } from '../../src/index';
import { runPlaybook } from '../../src/scheduler/run';
import { fakeConnector, memoryInventory } from '../support/fake';

const base = { startedAt: '', durationMs: 1, commands: [], notes: [], warnings: [] };
const ok = (host: string, step: string, stepIndex: number, changed = false) => ({ ...base, host, step, stepIndex, status: changed ? 'changed' : 'ok' }) as StepResult;
const failed = (host: string, step: string, stepIndex: number, message: string, unreachable = false) =>
  ({ ...base, host, step, stepIndex, status: unreachable ? 'unreachable' : 'failed', failure: { kind: 'command', message } }) as StepResult;

// two racks of two hosts and one host without a rack; steps 'check' (tagged pre), 'install', 'start'
function input(results: StepResult[], more: Partial<GroupSummaryInput> = {}): GroupSummaryInput {
  const rack: Record<string, string | undefined> = { a1: 'r1', a2: 'r1', b1: 'r2', b2: 'r2', lone: undefined };
  return {
    by: 'rack',
    hosts: Object.entries(rack).map(([name, key]) => ({ name, key })),
    results,
    tagsOf: (s) => (s === 'check' ? ['pre'] : []),
    lastStep: 'start',
    stopped: false,
    ...more,
  };
}

const all = (hosts: string[], changedOn: string[] = []) =>
  hosts.flatMap((h) => ['check', 'install', 'start'].map((s, i) => ok(h, s, i, changedOn.includes(h) && s === 'install')));

describe('summary per group (summaryBy)', () => {
  it('ok groups count their changes; a host without a key is a group of its own, in inventory order', () => {
    const g = summarizeGroups(input(all(['a1', 'a2', 'b1', 'b2', 'lone'], ['a1', 'a2'])));
    expect(g.by).toBe('rack');
    expect(g.groups.map((o) => [o.key, o.hosts, o.status, o.changed, o.text])).toEqual([
      ['r1', ['a1', 'a2'], 'ok', 2, 'ok (2 changed)'],
      ['r2', ['b1', 'b2'], 'ok', 0, 'ok (0 changed)'],
      ['lone', ['lone'], 'ok', 0, 'ok (0 changed)'],
    ]);
  });

  it('a failed group names the first failing step (1-based), its tags and every host failing there, not later failures', () => {
    const results = [
      ok('a1', 'check', 0), ok('a2', 'check', 0), ok('b1', 'check', 0), ok('b2', 'check', 0),
      failed('b1', 'install', 1, 'exit 3'), failed('b2', 'install', 1, 'exit 4'), ok('a1', 'install', 1),
      failed('a2', 'install', 1, 'disk full', true), failed('a1', 'start', 2, 'later'),
    ];
    const [r1, r2] = summarizeGroups(input(results)).groups;
    expect(r2).toMatchObject({ status: 'failed', failedAt: { step: 'install', number: 2, tags: [], failures: [{ host: 'b1', message: 'exit 3' }, { host: 'b2', message: 'exit 4' }] } });
    expect(r2!.text).toBe('failed at step 2 (install): b1: exit 3; b2: exit 4');
    // only unreachable hosts at the first failing step: the group is unreachable
    expect(r1).toMatchObject({ status: 'unreachable', failedAt: { step: 'install', failures: [{ host: 'a2', message: 'disk full' }] } });
  });

  it('ignored failures do not fail a group', () => {
    const results = all(['a1', 'a2']).concat({ ...failed('a1', 'install', 1, 'meh'), ignored: true } as StepResult);
    expect(summarizeGroups(input(results)).groups[0]!.status).toBe('ok');
  });

  it('a stopped run: groups without results are "not run", groups short of the last step "incomplete"', () => {
    const results = [...all(['a1', 'a2']), ok('b1', 'check', 0), ok('b2', 'check', 0)];
    const stopped = summarizeGroups(input(results, { stopped: true })).groups;
    expect(stopped.map((o) => o.status)).toEqual(['ok', 'incomplete', 'not run']);
    // the same results from a run that was not stopped (steps limited to some hosts) are ok
    expect(summarizeGroups(input(results)).groups.map((o) => o.status)).toEqual(['ok', 'ok', 'not run']);
  });

  it('describe words each outcome in the playbook\'s terms, with the tags of the failing step', () => {
    const results = [ok('a1', 'check', 0), failed('a2', 'check', 0, 'old firmware')];
    const g = summarizeGroups(input(results, { describe: (o) => (o.failedAt?.tags.includes('pre') ? `refused: ${o.failedAt.failures[0]!.message}` : o.status) }));
    expect(g.groups.map((o) => o.text)).toEqual(['refused: old firmware', 'not run', 'not run']);
  });

  it('the console prints one line per group after the recap', () => {
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => ((text += c.toString()), cb()) });
    const groupSummary = summarizeGroups(input([...all(['a1', 'a2']), failed('b1', 'check', 0, 'nope')]));
    const stats = { a1: emptyStats() };
    new ConsoleReporter({ out }).playEnd({ playbook: 'p', checkMode: false, startedAt: '', finishedAt: '', durationMs: 1, hosts: [], groups: {}, stats, results: [], interrupted: false, exitCode: 2, groupSummary } as RunSummary);
    expect(text).toMatch(/PLAY RECAP[^]*SUMMARY BY rack \*+\nrack r1 \(a1, a2\): ok \(0 changed\)\nrack r2 \(b1, b2\): failed at step 1 \(check\): b1: nope\nrack lone \(lone\): not run/);
  });
});

describe('playbook({ summaryBy })', () => {
  it('needs a grouping in `by`, named in the error', () => {
    const steps = [step({ name: 's', verify: () => true })];
    expect(playbook({ name: 'p', hosts: 'all', steps, summaryBy: { by: byVar('rack') } }).summaryBy?.by.label).toBe('rack');
    expect(() => playbook({ name: 'p', hosts: 'all', steps, summaryBy: { by: 'rack' } as never })).toThrow(/playbook "p": summaryBy needs `by`, a grouping such as byVar\('rack'\)/);
  });
});

describe('summaryBy through the engine (a rolling run by rack)', () => {
  const inv = memoryInventory({ web: { a1: { rack: 'r1' }, a2: { rack: 'r1' }, b1: { rack: 'r2' }, b2: { rack: 'r2' }, c1: { rack: 'r3' } } });
  // each host keeps `done` markers; b1 fails at `install` while `broken` is set
  function hosts(broken: Set<string>) {
    const state = new Map<string, Set<string>>();
    const handler = (host: string, cmd: string) => {
      const done = state.get(host) ?? new Set<string>();
      state.set(host, done);
      const [op, k] = cmd.split(' ');
      if (op === 'has') return { exitCode: done.has(k!) ? 0 : 1 };
      if (broken.has(host) && k === 'install') return { exitCode: 1, stderr: 'no package\n' };
      done.add(k!);
      return { exitCode: 0 };
    };
    return { state, handler };
  }
  const doStep = (k: string, tags?: string[]) => step({ name: k, ...(tags ? { tags } : {}), check: (h) => h.test(sh`has ${k}`), run: (h) => h.run(sh`do ${k}`) });
  const pb = playbook({ name: 'racks', hosts: 'web', serial: 1, batchBy: byVar('rack'), maxFailPercentage: 0, summaryBy: { by: byVar('rack') }, steps: [doStep('check', ['pre']), doStep('install'), doStep('start')] });

  it('a failed batch stops the roll-out: later racks are "not run"; the rerun continues and the done rack changes nothing', async () => {
    const broken = new Set(['b1']);
    const { handler } = hosts(broken);
    const { connect } = fakeConnector(handler);
    const first = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(first.groupSummary?.groups.map((g) => [g.key, g.status, g.changed])).toEqual([['r1', 'ok', 6], ['r2', 'failed', 3], ['r3', 'not run', 0]]);
    expect(first.groupSummary?.groups[1]?.text).toBe('failed at step 2 (install): b1: command exited 1: do install');
    broken.clear();
    const second = await runPlaybook({ playbook: pb, inventory: inv, connect });
    expect(second.groupSummary?.groups.map((g) => [g.key, g.status, g.changed])).toEqual([['r1', 'ok', 0], ['r2', 'ok', 3], ['r3', 'ok', 3]]);
  });

  it('an interrupted run leaves the rack it was in "incomplete"', async () => {
    const ac = new AbortController();
    const { handler } = hosts(new Set());
    const { connect } = fakeConnector((host, cmd) => {
      if (cmd === 'do install') ac.abort({ signal: 'SIGINT' });
      return handler(host, cmd);
    });
    const s = await runPlaybook({ playbook: pb, inventory: inv, connect, signal: ac.signal });
    expect(s.interrupted).toBe(true);
    expect(s.groupSummary?.groups.map((g) => g.status)).toEqual(['incomplete', 'not run', 'not run']);
  });
});
