import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sh } from '../../src/dsl/command';
import { StepFailure } from '../../src/errors';
import { connectedHost } from './helpers';

const host = connectedHost();
// durations of this test process's own: the same file runs in two vitest projects at once, and `ps` sees every process
const S = 100_000 + (process.pid % 100_000) * 4;

describe('SshConnection exec', () => {
  it('runs in the session mode of its vitest project: persistent by default, a channel per command with MARSHAL_SESSION=exec', async () => {
    // an exec channel's shell is a child of sshd; a persistent session's command, of the session's loop (a shell)
    const parent = await host.conn.exec('ps -o comm= -p $PPID');
    expect(parent.stdout.trim()).toBe(process.env.MARSHAL_SESSION === 'exec' ? 'sshd' : 'bash');
  });

  it('returns stdout, stderr and the exit code', async () => {
    const r = await host.conn.exec('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, command: 'echo out; echo err >&2; exit 3' });
  });

  it('passes stdin and keeps multi-byte output intact across chunks', async () => {
    const big = 'é'.repeat(200_000);
    const r = await host.conn.exec('cat', { stdin: big });
    expect(r.stdout).toBe(big);
    expect(r.stderr).toBe('');
  });

  it('stdin larger than the SSH window arrives whole before EOF', async () => {
    // 6 MB: three times ssh2's 2 MB window, so EOF must wait for the flow-controlled writes.
    const data = Buffer.alloc(6 * 1024 * 1024, 'x');
    data.write('end-marker', data.length - 10);
    const r = await host.conn.exec('sha256sum', { stdin: data });
    expect(r.stdout).toBe(`${createHash('sha256').update(data).digest('hex')}  -\n`);
  });

  it('delivers nasty values to the remote as literal text', async () => {
    const values = ['$(touch /tmp/pwned)', '`id`', "it's \"quoted\"", 'two\nlines', '*', '-n', '; rm -rf /tmp/x', '$HOME', ''];
    for (const v of values) {
      const r = await host.conn.exec(sh`printf '%s' ${v}`.text);
      expect(r.stdout).toBe(v);
    }
    const pwned = await host.conn.exec('test -e /tmp/pwned && echo yes || echo no');
    expect(pwned.stdout).toBe('no\n');
  });

  it('exports env values quoted', async () => {
    const r = await host.conn.exec('printf %s "$V"', { env: { V: '$(id) `x` \'q\'' } });
    expect(r.stdout).toBe('$(id) `x` \'q\'');
  });

  it('reports a syntax error as a command result, not a hang', async () => {
    const r = await host.conn.exec('if then fi (');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/syntax error/i);
    expect(r.stderr).not.toMatch(/MARSHAL/);
  });

  it('timeout kills the remote process group and rejects with kind timeout', async () => {
    const err = await host.conn.exec(`sleep ${S} & sleep ${S + 1}; echo never`, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailure);
    expect((err as StepFailure).kind).toBe('timeout');
    const left = await host.conn.exec(`ps -eo args | grep -E "^sleep (${S}|${S + 1})$" || true`);
    expect(left.stdout).toBe('');
  });

  it('abort signal interrupts and kills the remote command', async () => {
    const ac = new AbortController();
    const p = host.conn.exec(`sleep ${S + 2}`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    const err = await p.catch((e: unknown) => e);
    expect((err as StepFailure).kind).toBe('interrupted');
    const left = await host.conn.exec(`ps -eo args | grep -E "^sleep ${S + 2}$" || true`);
    expect(left.stdout).toBe('');
  });

  it('putFile writes atomically with the mode asked for', async () => {
    const dir = `${host.fleet.dir}/put`;
    await host.conn.exec(sh`mkdir -p ${dir}`.text);
    await host.conn.putFile(`${dir}/f`, 'hello\n$(x)\n', { mode: 0o640 });
    const r = await host.conn.exec(sh`stat -c %a ${dir}/f; cat ${dir}/f; ls -a ${dir} | grep -c marshal- || true`.text);
    expect(r.stdout).toBe('640\nhello\n$(x)\n0\n');
  });

  it('putFile failure names the path', async () => {
    await expect(host.conn.putFile('/nonexistent-dir/x', 'a')).rejects.toThrow(/could not write \/nonexistent-dir\/x/);
  });

  it('runs many concurrent execs on one connection', async () => {
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => host.conn.exec(`echo ${i}`)));
    expect(rs.map((r) => r.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
  });
});
