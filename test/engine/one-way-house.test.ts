/**
 * Issue 11's defects, each pinned: `--limit @file` through the CLI, error identity by the one
 * discriminator (not by class tricks), retry messages at -vv, become values in Ansible's truthy set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { step } from '../../src/dsl/step';
import { sh } from '../../src/dsl/command';
import { ConnectionError, StepFailure, UsageError, isConnectionError, isStepFailure, isUsageError } from '../../src/errors';
import { TemplateError, isTemplateError } from '../../src/template/index';
import { ConsoleReporter } from '../../src/report/console';
import { fakeConnector, memoryInventory } from '../support/fake';
import { marshal } from '../support/cli';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'marshal-house-'));
  dirs.push(d);
  return d;
}

describe('--limit @file', () => {
  it('selects the hosts listed in the file (relative to the cwd), through the CLI', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'h.ini'), '[web]\nweb01 ansible_connection=local\nweb02 ansible_connection=local\nweb03 ansible_connection=local\n');
    writeFileSync(join(dir, 'hosts.txt'), 'web03\nweb01\n');
    writeFileSync(join(dir, 'pb.ts'), "import { playbook, step, sh } from 'marshal';\nexport default playbook({ name: 'p', hosts: 'web', steps: [step({ name: 's', verify: async (h) => h.test(sh`true`) })] });\n");
    const r = await marshal(['run', join(dir, 'pb.ts'), '-i', join(dir, 'h.ini'), '--limit', '@hosts.txt', '--list-hosts'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('hosts (2):');
    expect(r.stdout).toMatch(/^\s+web01$/m);
    expect(r.stdout).toMatch(/^\s+web03$/m);
    expect(r.stdout).not.toMatch(/^\s+web02$/m);
  });
});

describe('errors are told apart by their code and kind', () => {
  it('a step failure is not a template error, and each guard answers for its own kind only', () => {
    const step = new StepFailure('command', 'exited 1');
    expect(step instanceof TemplateError).toBe(false);
    expect(isTemplateError(step)).toBe(false);
    expect(isTemplateError(new TemplateError('missing x'))).toBe(true);
    expect(isConnectionError(step)).toBe(false);
    expect(isConnectionError(new ConnectionError('unreachable', 'refused'))).toBe(true);
    expect(isStepFailure(new UsageError('bad flag'))).toBe(false);
    expect(isUsageError(step)).toBe(false);
  });

  it('an error made by another copy of Marshal (dist beside src) is recognised by the guards', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dist = require('../../dist/errors.js') as typeof import('../../src/errors');
    const other = new dist.StepFailure('verify', 'expected 1, saw 2');
    expect(other instanceof StepFailure).toBe(false); // plain JavaScript: another class
    expect(isStepFailure(other)).toBe(true);
    expect(isConnectionError(new dist.ConnectionError('hostkey', 'changed'))).toBe(true);
    expect(isUsageError(new dist.InventoryError('bad line'))).toBe(true);
  });
});

describe('retry messages', () => {
  const pb = playbook({
    name: 'retry',
    hosts: 'web',
    steps: [step({ name: 'flaky', retries: 2, delay: 0, run: (h) => h.run(sh`flaky`) })],
  });
  async function runAt(verbosity: number): Promise<string> {
    let calls = 0;
    const { connect } = fakeConnector(() => (++calls < 3 ? { exitCode: 1, stderr: 'not yet' } : { exitCode: 0 }));
    let out = '';
    const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    const s = await runPlaybook({ playbook: pb, inventory: memoryInventory({ web: { a: {} } }), connect, reporters: [new ConsoleReporter({ out: sink, verbosity, color: false })] });
    expect(s.exitCode).toBe(0);
    return out;
  }
  it('are shown at -vv, with the reason and the delay', async () => {
    const out = await runAt(2);
    expect(out).toContain('[a] flaky: attempt 1 of 3 did not succeed (command exited 1: flaky); retrying in 0s');
    expect(out).toContain('attempt 2 of 3');
  });
  it('are not shown without -vv', async () => {
    expect(await runAt(1)).not.toContain('did not succeed');
  });
});

describe('become from the inventory', () => {
  for (const value of ['yes', 'on', '1', 'True', 'true', 'y', true, 1]) {
    it(`ansible_become=${JSON.stringify(value)} runs the step's commands through sudo as root`, async () => {
      const seen: unknown[] = [];
      const { connect } = fakeConnector((_h, _c, opts) => (seen.push(opts.become), { exitCode: 0 }));
      const pb = playbook({ name: 'b', hosts: 'web', steps: [step({ name: 'id', run: (h) => h.run(sh`id -u`) })] });
      await runPlaybook({ playbook: pb, inventory: memoryInventory({ web: { a: { ansible_become: value } } }), connect });
      expect(seen).toEqual([{ user: 'root', method: 'sudo' }]);
    });
  }
  for (const value of ['no', 'off', '0', 'False', false]) {
    it(`ansible_become=${JSON.stringify(value)} runs without become`, async () => {
      const seen: unknown[] = [];
      const { connect } = fakeConnector((_h, _c, opts) => (seen.push(opts.become), { exitCode: 0 }));
      const pb = playbook({ name: 'b', hosts: 'web', steps: [step({ name: 'id', run: (h) => h.run(sh`id -u`) })] });
      await runPlaybook({ playbook: pb, inventory: memoryInventory({ web: { a: { ansible_become: value } } }), connect });
      expect(seen).toEqual([undefined]);
    });
  }
  it("a step's become: false turns an inventory's ansible_become off", async () => {
    const seen: unknown[] = [];
    const { connect } = fakeConnector((_h, _c, opts) => (seen.push(opts.become), { exitCode: 0 }));
    const pb = playbook({ name: 'b', hosts: 'web', steps: [step({ name: 'id', become: false, run: (h) => h.run(sh`id -u`) })] });
    await runPlaybook({ playbook: pb, inventory: memoryInventory({ web: { a: { ansible_become: 'yes', ansible_become_user: 'svc' } } }), connect });
    expect(seen).toEqual([false]);
  });
});
