import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputPath, describeFsError } from '../../src/report/files';
import { combineReporters, ReporterFailure, type Reporter } from '../../src/report/types';
import { writeFileAtomic } from '../../src/util/atomic-write';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('checkOutputPath', () => {
  it('accepts an absent file in a directory still to be made, and an existing regular file', () => {
    expect(() => checkOutputPath(join(dir, 'a/b/r.json'), '--report')).not.toThrow();
    writeFileSync(join(dir, 'r.json'), '{}');
    expect(() => checkOutputPath(join(dir, 'r.json'), '--report')).not.toThrow();
  });

  it('refuses a FIFO, a directory, a path under a regular file, and a symlink into /proc, naming the flag and path', () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => checkOutputPath(join(dir, 'fifo'), '--log-file')).toThrow(`--log-file ${join(dir, 'fifo')}: is a FIFO, not a regular file`);
    mkdirSync(join(dir, 'd'));
    expect(() => checkOutputPath(join(dir, 'd'), '--report')).toThrow('is a directory, not a regular file');
    writeFileSync(join(dir, 'plain'), '');
    expect(() => checkOutputPath(join(dir, 'plain/x/r.json'), '--report')).toThrow(`${join(dir, 'plain')} is not a directory`);
    execFileSync('ln', ['-s', '/proc/1', join(dir, 'p')]);
    expect(() => checkOutputPath(join(dir, 'p/r.json'), '--report')).toThrow('/proc/1 is on proc, a kernel pseudo-filesystem');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', () => {
    writeFileAtomic(join(dir, 'f.json'), 'one');
    writeFileAtomic(join(dir, 'f.json'), 'two', { mode: 0o600 });
    expect(readFileSync(join(dir, 'f.json'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });

  it('removes its temp file when the rename fails (target is a non-empty directory)', () => {
    mkdirSync(join(dir, 'busy/inner'), { recursive: true });
    expect(() => writeFileAtomic(join(dir, 'busy'), 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['busy']);
  });
});

describe('combineReporters', () => {
  it('drops a reporter that throws, tells the others once, and keeps calling them', async () => {
    const seen: string[] = [];
    let calls = 0;
    const broken: Reporter = {
      result: () => {
        calls += 1;
        throw new ReporterFailure('warn', 'log not written: /x: no space left on device (ENOSPC)');
      },
    };
    const good: Reporter = { result: (r) => seen.push(`result ${r.host}`), message: (l, t) => seen.push(`${l} ${t}`), playEnd: () => void seen.push('end') };
    const all = combineReporters([broken, good]);
    all.result({ host: 'a' } as never);
    all.result({ host: 'b' } as never);
    await all.playEnd({} as never);
    expect(calls).toBe(1);
    expect(seen).toEqual(['warn log not written: /x: no space left on device (ENOSPC)', 'result a', 'result b', 'end']);
  });

  it('a failing playEnd is reported as an error line, not thrown', async () => {
    const seen: string[] = [];
    const all = combineReporters([{ message: (_l, t) => seen.push(t) }, { playEnd: () => { throw new Error('boom'); } }]);
    await expect(all.playEnd({} as never)).resolves.toBeUndefined();
    expect(seen).toEqual(['a reporter failed and stopped: boom']);
  });
});

it('describeFsError names the errno', () => {
  const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  expect(describeFsError(err)).toBe('no space left on device (ENOSPC)');
});
