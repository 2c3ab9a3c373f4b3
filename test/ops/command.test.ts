import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command } from '../../src/ops/command';
import { sh, secret } from '../../src/dsl/command';
import { step } from '../../src/dsl/step';
import { defineFact } from '../../src/dsl/fact';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { isPlaybookError } from '../../src/errors';
import { fakeConnector } from '../support/fake';
import { inventory, runLocal, statuses, tempDir } from './helpers';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());
const p = (name: string) => join(t.dir, name);

describe('command()', () => {
  it('creates: runs once, then is ok; chdir runs in the directory', async () => {
    const op = command({ cmd: sh`echo made > out.txt`, creates: p('out.txt'), chdir: t.dir });
    expect(statuses(await runLocal([op]))).toEqual(['changed']);
    expect(readFileSync(p('out.txt'), 'utf8')).toBe('made\n');
    expect(statuses(await runLocal([op]))).toEqual(['ok']);
  });

  it('removes: runs while the path exists; --check predicts without running', async () => {
    writeFileSync(p('old'), 'x');
    const op = command({ cmd: ['rm', '-f', p('old')], removes: p('old') });
    const checked = await runLocal([op], { check: true });
    expect(checked.results[0]).toMatchObject({ status: 'changed', predicted: true });
    expect(existsSync(p('old'))).toBe(true);
    expect(statuses(await runLocal([op]))).toEqual(['changed']);
    expect(existsSync(p('old'))).toBe(false);
    expect(statuses(await runLocal([op]))).toEqual(['ok']);
  });

  it('a command that does not create what it promised fails verify', async () => {
    const s = await runLocal([command({ cmd: sh`true`, creates: p('never') })]);
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { kind: 'verify', message: expect.stringContaining(`expected the command to create ${p('never')}`) } });
  });

  it('without creates/removes: changed every run, skipped under --check', async () => {
    const op = command({ cmd: sh`true` });
    expect(statuses(await runLocal([op]))).toEqual(['changed']);
    expect(statuses(await runLocal([op], { check: true }))).toEqual(['skipped']);
  });

  it('forgets the cached facts of the host when it ran', async () => {
    let n = 0;
    const counter = defineFact({ name: 'test.counter', command: () => sh`count`, parse: (o) => o });
    const { connect } = fakeConnector((_h, cmd) => (cmd === 'count' ? { stdout: String(++n) } : {}));
    const seen: string[] = [];
    const read = (name: string) => step({ name, verify: async (h) => void seen.push(await h.facts.get(counter)) });
    const pb = playbook({ name: 'x', hosts: 'all', steps: [read('a'), read('b'), command({ cmd: sh`true` }), read('c')] });
    await runPlaybook({ playbook: pb, inventory, connect });
    expect(seen).toEqual(['1', '1', '2']);
  });

  it('a secret in the command is not in the step name', () => {
    expect(command({ cmd: sh`login --token ${secret('hunter2 x')}` }).name).toBe('command login --token ********');
  });

  it('bad options are usage errors at the calling line', () => {
    for (const [make, msg] of [
      [() => command({ cmd: 'rm -rf /' as never }), '`cmd` must be a command built with sh`...`'],
      [() => command({ cmd: sh`x`, creates: 'rel' }), '`creates` must be an absolute path'],
    ] as const) {
      try {
        make();
        expect.unreachable();
      } catch (err) {
        expect(isPlaybookError(err)).toBe(true);
        expect((err as Error).message).toContain(msg);
      }
    }
  });
});
