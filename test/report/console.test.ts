import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ConsoleReporter } from '../../src/report/console';
import { recapLines } from '../../src/report/recap';
import type { RunSummary, StepResult } from '../../src/results/results';
import { emptyStats } from '../../src/results/results';

function sink(isTTY: boolean) {
  let text = '';
  const out = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }),
    { isTTY, columns: 120 },
  );
  return { out, text: () => text };
}

const base = { stepIndex: 0, startedAt: new Date().toISOString(), durationMs: 12, commands: [], notes: [], warnings: [] };

describe('console reporter', () => {
  it('prints Ansible-like lines and a recap when not a TTY', () => {
    const s = sink(false);
    const r = new ConsoleReporter({ out: s.out });
    r.playStart({ playbook: 'p', hosts: ['a', 'b'], steps: 1, checkMode: false, batches: [['a', 'b']] });
    r.stepStart({ name: 'install', index: 0, hosts: ['a', 'b'] });
    r.result({ ...base, host: 'a', step: 'install', status: 'changed' } as StepResult);
    r.result({ ...base, host: 'b', step: 'install', status: 'failed', failure: { kind: 'command', message: 'command exited 3: dnf install x', command: 'dnf install x', exitCode: 3, stderrTail: 'No match for argument: x' } } as StepResult);
    r.stepEnd();
    const stats = { a: { ...emptyStats(), ok: 1, changed: 1 }, b: { ...emptyStats(), failed: 1 } };
    r.playEnd({ playbook: 'p', checkMode: false, startedAt: '', finishedAt: '', durationMs: 1000, hosts: ['a', 'b'], groups: {}, stats, results: [], interrupted: false, exitCode: 2 } as RunSummary);
    const text = s.text();
    expect(text).toContain('STEP [install] ***');
    expect(text).toContain('changed: [a]');
    expect(text).toContain('failed: [b] install · command exited 3: dnf install x');
    expect(text).toContain('    exit code: 3');
    expect(text).toContain('    | No match for argument: x');
    expect(text).toMatch(/a : ok=1\s+changed=1\s+unreachable=0\s+failed=0\s+skipped=0\s+rescued=0\s+ignored=0/);
    expect(text).not.toContain('\x1b[');
  });

  it('on a TTY shows a live line with running / done / failed counts', () => {
    const s = sink(true);
    const r = new ConsoleReporter({ out: s.out, color: false });
    r.stepStart({ name: 'slow step', index: 0, hosts: ['a', 'b', 'c'] });
    r.hostStart('a');
    r.hostStart('b');
    expect(s.text()).toContain('▶ slow step  running 2  done 0/3  failed 0');
    r.result({ ...base, host: 'a', step: 'slow step', status: 'ok' } as StepResult);
    expect(s.text()).toContain('running 1  done 1/3  failed 0');
    r.stepEnd();
  });

  it('a loop: one line per item, and the live line counts hosts, not items', () => {
    const s = sink(true);
    const r = new ConsoleReporter({ out: s.out, color: false });
    r.stepStart({ name: 'pages', index: 0, hosts: ['a', 'b'] });
    const item = (label: string, status: 'ok' | 'failed', index: number) =>
      ({ ...base, host: 'a', step: `pages (${label})`, status, item: { loop: 'pages', index, label }, ...(status === 'failed' ? { failure: { kind: 'command', message: 'command exited 1' } } : {}) }) as StepResult;
    r.hostStart('a');
    r.result(item('blog', 'ok', 0));
    r.hostStart('a');
    r.result(item('shop', 'failed', 1));
    r.hostStart('a');
    r.result(item('wiki', 'failed', 2));
    expect(s.text()).toContain('ok: [a] => (item=blog)');
    expect(s.text()).toContain('failed: [a] pages (shop) · command exited 1');
    expect(s.text()).toContain('running 0  done 1/2  failed 1');
    r.stepEnd();
  });

  it('recap columns line up across host name lengths', () => {
    const lines = recapLines({ a: emptyStats(), 'long-host-name': emptyStats() });
    expect(lines[0]!.indexOf(':')).toBe(lines[1]!.indexOf(':'));
  });

  it('lists risky changes after the play by the labels the playbook declares', () => {
    const s = sink(false);
    const r = new ConsoleReporter({ out: s.out });
    const results = [
      { ...base, host: 'a', step: 'burn firmware', status: 'changed', risk: 'firmware' },
      { ...base, host: 'b', step: 'move vm', status: 'changed', risk: 'migration' },
      { ...base, host: 'c', step: 'move vm', status: 'changed', risk: 'migration', predicted: true },
      { ...base, host: 'd', step: 'burn firmware', status: 'ok', risk: 'firmware' },
    ] as StepResult[];
    r.playEnd({ playbook: 'p', checkMode: false, startedAt: '', finishedAt: '', durationMs: 1, hosts: ['a', 'b'], groups: {}, stats: { a: emptyStats(), b: emptyStats() }, results, interrupted: false, exitCode: 0 } as RunSummary);
    const text = s.text();
    expect(text).toContain('RISKY CHANGES (firmware, migration) ***');
    expect(text).not.toMatch(/FIRMWARE|VMs/);
    expect(text).toContain('a: firmware: burn firmware\nb: migration: move vm\n');
    expect(text).not.toMatch(/^[cd]: /m);
  });

  it('escapes host control characters but keeps its own colours, and indents a host\'s line breaks', () => {
    const s = sink(false);
    const r = new ConsoleReporter({ out: s.out, color: true });
    r.result({ ...base, host: 'a', step: 'x', status: 'ok', notes: ['\x1b]0;owned\x07\rfine\u009b2J\nh1 : ok=1'] } as StepResult);
    r.message('error', 'bad \x1b[31m');
    expect(s.text()).toBe('\x1b[32mok: [a]\x1b[0m\n    \\x1b]0;owned\\x07\\x0dfine\\x9b2J\n    h1 : ok=1\n\x1b[31mbad \\x1b[31m\x1b[0m\n');
  });
});
