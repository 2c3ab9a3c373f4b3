import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { file, line, block, directory, symlink, absent } from '../../src/ops/files';
import { secret } from '../../src/dsl/command';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { isPlaybookError } from '../../src/errors';
import { fakeConnector } from '../support/fake';
import { inventory, runLocal, statuses, tempDir } from './helpers';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());
const p = (name: string) => join(t.dir, name);

describe('file operations on this machine (a temp dir, local connection)', () => {
  it('first run changes, second run is ok, content and mode as wanted', async () => {
    const steps = [
      directory({ path: p('etc'), mode: '0750' }),
      file({ path: p('etc/app.conf'), content: 'port=80\n', mode: 0o640 }),
      line({ path: p('etc/app.conf'), line: 'debug=false', regexp: /^debug=/ }),
      block({ path: p('etc/app.conf'), marker: 'peers', block: 'peer a\npeer b\n' }),
      symlink({ path: p('current'), target: 'etc/app.conf' }),
    ];
    const first = await runLocal(steps);
    expect(statuses(first), JSON.stringify(first.results.map((r) => (r.status === 'failed' ? r.failure : r.status)))).toEqual(['changed', 'changed', 'changed', 'changed', 'changed']);
    expect(readFileSync(p('etc/app.conf'), 'utf8')).toBe('port=80\ndebug=false\n# BEGIN MARSHAL peers\npeer a\npeer b\n# END MARSHAL peers\n');
    expect(statSync(p('etc')).mode & 0o777).toBe(0o750);
    expect(statSync(p('etc/app.conf')).mode & 0o777).toBe(0o640);
    expect(readlinkSync(p('current'))).toBe('etc/app.conf');
    // file() now differs from the edited content: one playbook should not fight itself, so run the idempotent part again
    const again = await runLocal(steps.slice(2));
    expect(statuses(again)).toEqual(['ok', 'ok', 'ok']);
  });

  it('changes only the mode when only the mode differs, and a second run is ok', async () => {
    writeFileSync(p('f'), 'same\n', { mode: 0o600 });
    const first = await runLocal([file({ path: p('f'), content: 'same\n', mode: '0644' })], { diff: true });
    expect(statuses(first)).toEqual(['changed']);
    expect(first.results[0]!.notes).toContain(`${p('f')}: mode 0600 → 0644`);
    expect(first.results[0]!.commands.some((c) => c.command.startsWith('put '))).toBe(false);
    expect(statSync(p('f')).mode & 0o777).toBe(0o644);
    expect(statuses(await runLocal([file({ path: p('f'), content: 'same\n', mode: '0644' })]))).toEqual(['ok']);
  });

  it('--check --diff changes nothing and shows each diff', async () => {
    writeFileSync(p('conf'), 'a=1\nb=2\n');
    const steps = [
      file({ path: p('new.txt'), content: 'hello\n' }),
      line({ path: p('conf'), line: 'b=3', regexp: /^b=/ }),
      block({ path: p('conf'), marker: 'x', block: 'x=1' }),
      directory({ path: p('d') }),
      absent({ path: p('conf'), name: 'conf removed' }),
    ];
    const s = await runLocal(steps, { check: true, diff: true });
    expect(statuses(s)).toEqual(['changed', 'changed', 'changed', 'changed', 'changed']);
    expect(s.results.every((r) => r.status === 'changed' && r.predicted)).toBe(true);
    expect(s.results[0]!.diff).toContain('--- /dev/null');
    expect(s.results[0]!.diff).toContain('+hello');
    expect(s.results[1]!.diff).toContain('-b=2');
    expect(s.results[1]!.diff).toContain('+b=3');
    expect(s.results[2]!.diff).toContain('+# BEGIN MARSHAL x');
    expect(s.results[3]!.notes).toEqual([`${p('d')}: created`]);
    expect(s.results[4]!.notes).toEqual([`${p('conf')}: file removed`]);
    expect(readFileSync(p('conf'), 'utf8')).toBe('a=1\nb=2\n');
    expect(existsSync(p('new.txt')) || existsSync(p('d'))).toBe(false);
    for (const r of s.results) expect(r.commands.every((c) => c.phase === 'check')).toBe(true);
  });

  it('a secret content never reaches the diff', async () => {
    writeFileSync(p('token'), 'old-token\n');
    const step = file({ path: p('token'), content: secret('s3cr3t-value\n') });
    const checked = await runLocal([step], { check: true, diff: true });
    const applied = await runLocal([step], { diff: true });
    for (const s of [checked, applied]) {
      expect(statuses(s)).toEqual(['changed']);
      expect(JSON.stringify(s.results)).not.toContain('s3cr3t');
      expect(JSON.stringify(s.results)).not.toContain('old-token');
    }
    expect(readFileSync(p('token'), 'utf8')).toBe('s3cr3t-value\n');
  });

  it('copies a local src byte for byte (binary)', async () => {
    const bytes = Buffer.from([0, 255, 1, 128, 10, 13]);
    writeFileSync(p('src.bin'), bytes);
    const s = await runLocal([file({ path: p('dst.bin'), src: p('src.bin') })]);
    expect(statuses(s)).toEqual(['changed']);
    expect(readFileSync(p('dst.bin')).equals(bytes)).toBe(true);
    expect(statuses(await runLocal([file({ path: p('dst.bin'), src: p('src.bin') })]))).toEqual(['ok']);
  });

  it('line() keeps the file mode and owner; absent() removes a tree; a link replaces a file', async () => {
    writeFileSync(p('conf'), 'a\n', { mode: 0o600 });
    mkdirSync(p('tree/sub'), { recursive: true });
    writeFileSync(p('tree/sub/x'), 'x');
    writeFileSync(p('link'), 'was a file');
    const s = await runLocal([line({ path: p('conf'), line: 'b' }), absent({ path: p('tree') }), symlink({ path: p('link'), target: '/nonexistent' })]);
    expect(statuses(s)).toEqual(['changed', 'changed', 'changed']);
    expect(statSync(p('conf')).mode & 0o777).toBe(0o600);
    expect(statSync(p('conf')).uid).toBe(userInfo().uid);
    expect(existsSync(p('tree'))).toBe(false);
    expect(lstatSync(p('link')).isSymbolicLink()).toBe(true);
  });

  it('a directory where a file should be fails the step with what is in the way', async () => {
    mkdirSync(p('in-the-way'));
    const s = await runLocal([file({ path: p('in-the-way'), content: 'x' })]);
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: `${p('in-the-way')} is a directory, not a file; remove it first (absent())` } });
  });

  it('a missing src fails naming the file', async () => {
    const s = await runLocal([file({ path: p('x'), src: p('nope') })]);
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: `file ${p('x')}: cannot read the source ${p('nope')}: ENOENT` } });
  });
});

describe('file operations: decisions on a fake host', () => {
  const info = (sha: string) => `regular file\n644\nroot\nroot\n6\n${sha}  -\n`;
  const HELLO = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03'; // sha256 of "hello\n"

  it('the check is one read-only command; equal content and mode: ok, nothing run', async () => {
    const { connect, conns } = fakeConnector(() => ({ stdout: info(HELLO) }));
    const s = await runPlaybook({ playbook: playbook({ name: 'x', hosts: 'all', steps: [file({ path: '/etc/motd', content: 'hello\n', mode: 0o644 })] }), inventory, connect });
    expect(statuses(s)).toEqual(['ok']);
    expect(conns.get('h1')!.commands).toHaveLength(1);
    expect(conns.get('h1')!.commands[0]).toMatch(/^if \[ -e \/etc\/motd \]/);
  });

  it('other content under --check: predicted change, still only the one read', async () => {
    const { connect, conns } = fakeConnector(() => ({ stdout: info('0'.repeat(64)) }));
    const s = await runPlaybook({ playbook: playbook({ name: 'x', hosts: 'all', steps: [file({ path: '/etc/motd', content: 'hello\n' })] }), inventory, connect, check: true });
    expect(s.results[0]).toMatchObject({ status: 'changed', predicted: true });
    expect(conns.get('h1')!.commands).toHaveLength(1);
  });

  it('output the parser does not know fails the step naming the command', async () => {
    const { connect } = fakeConnector(() => ({ stdout: 'garbage' }));
    const s = await runPlaybook({ playbook: playbook({ name: 'x', hosts: 'all', steps: [directory({ path: '/srv/d' })] }), inventory, connect });
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: expect.stringContaining('could not parse the output of if [ -e /srv/d ]') } });
  });
});

describe('file operations: bad options are usage errors', () => {
  const bad: Array<[string, () => unknown, string]> = [
    ['relative path', () => file({ path: 'etc/x', content: '' }), '`path` must be an absolute path'],
    ['two sources', () => file({ path: '/x', content: 'a', src: '/y' }), 'give exactly one of `content`, `template`, `src` (got content, src)'],
    ['bad mode', () => directory({ path: '/x', mode: '999' }), '`mode` must be permission bits'],
    ['unknown key', () => symlink({ path: '/x', target: 'y', force: true } as never), 'unknown option `force`'],
    ['line with a newline', () => line({ path: '/x', line: 'a\nb' }), '`line` must be one line of text'],
    ['bad regexp', () => line({ path: '/x', line: 'a', regexp: '(' }), '`regexp` is not a regular expression'],
    ['removing /', () => absent({ path: '/' }), 'refusing to remove /'],
    ['block without marker', () => block({ path: '/x', block: 'b' } as never), '`marker` is required'],
    ['owner with a space', () => file({ path: '/x', content: '', owner: 'a b' }), '`owner` must be a user or group name'],
  ];
  for (const [name, make, msg] of bad) {
    it(name, () => {
      let err: unknown;
      try {
        make();
      } catch (e) {
        err = e;
      }
      expect(isPlaybookError(err)).toBe(true);
      expect((err as Error).message).toContain(msg);
      expect((err as { file?: string }).file).toContain('files.test.ts');
    });
  }
});
