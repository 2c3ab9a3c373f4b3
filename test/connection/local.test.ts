import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupAlive, LocalConnection } from '../../src/connection/local';
import { sh } from '../../src/dsl/command';
import { StepFailure } from '../../src/errors';

const conn = new LocalConnection({ name: 'localhost', transport: 'local', host: 'localhost' });
const dir = mkdtempSync(join(tmpdir(), 'marshal-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalConnection', () => {
  it('runs through /bin/sh with stdout, stderr, exit code and stdin', async () => {
    const r = await conn.exec('cat; echo err >&2; exit 4', { stdin: 'in\n' });
    expect(r).toMatchObject({ stdout: 'in\n', stderr: 'err\n', exitCode: 4 });
  });

  it('keeps nasty values literal', async () => {
    const v = '$(touch /nonexistent) `id` \'"\n*';
    expect((await conn.exec(sh`printf %s ${v}`.text)).stdout).toBe(v);
    expect((await conn.exec('printf %s "$X"', { env: { X: v } })).stdout).toBe(v);
  });

  it('timeout stops the whole process group', async () => {
    const pidFile = join(dir, 'pid');
    // $$ is the shell, which leads the command's process group.
    const err = await conn.exec(`sleep 1020 & echo $$ > ${pidFile}; sleep 1021`, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as StepFailure).kind).toBe('timeout');
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    expect(pgid).toBeGreaterThan(1);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('abort interrupts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await expect(conn.exec('sleep 1022', { signal: ac.signal })).rejects.toMatchObject({ kind: 'interrupted' });
  });

  it('putFile writes atomically with the mode', async () => {
    const f = join(dir, 'out');
    await conn.putFile(f, 'data', { mode: 0o600 });
    expect(readFileSync(f, 'utf8')).toBe('data');
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});
