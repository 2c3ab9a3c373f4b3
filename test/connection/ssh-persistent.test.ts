import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../support/sshd';
import { SshConnection } from '../../src/connection/ssh';
import { StepFailure } from '../../src/errors';
import { specFor } from './helpers';


describe('persistent sessions on a real sshd', () => {
  let fleet: TestFleet;
  let conn: SshConnection;
  beforeAll(async () => {
    fleet = await startFleet(2, (i) => (i === 1 ? { extraConfig: ['SetEnv PATH=/nonexistent/marshal'] } : {}));
    conn = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'persistent' }));
    await conn.connect();
  });
  afterAll(async () => {
    await conn?.close();
    await fleet?.stop();
  });

  it('returns stdout, stderr and the exit code of each command separately', async () => {
    const a = await conn.exec('echo out; echo err >&2; exit 3');
    const b = await conn.exec('printf no-newline');
    const c = await conn.exec('true');
    expect(a).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
    expect(b).toMatchObject({ stdout: 'no-newline', stderr: '', exitCode: 0 });
    expect(c).toMatchObject({ stdout: '', stderr: '', exitCode: 0 });
    expect(conn.sessionFallback).toBeUndefined();
  });

  it('runs every command in one long-lived shell, each as its own process group', async () => {
    const a = await conn.exec('echo "$PPID $$"; ps -o pgid= -p $$');
    const b = await conn.exec('echo "$PPID $$"; ps -o pgid= -p $$');
    const [pa, selfA, pgA] = a.stdout.trim().split(/\s+/);
    const [pb, selfB, pgB] = b.stdout.trim().split(/\s+/);
    expect(pa).toBe(pb); // the same loop started both
    expect(selfA).not.toBe(selfB);
    expect(pgA).toBe(selfA);
    expect(pgB).toBe(selfB);
  });

  it('runs the command through the login shell, as an exec channel does', async () => {
    const viaExec = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'exec' }));
    const probe = 'ps -o comm= -p $$; echo "$SHELL"';
    const want = (await viaExec.exec(probe)).stdout;
    await viaExec.close();
    expect((await conn.exec(probe)).stdout).toBe(want);
  });

  it('passes 6 MB of stdin whole, and the next command still parses', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const r = await conn.exec('sha256sum', { stdin: data });
    expect(r.stdout).toBe(`${createHash('sha256').update(data).digest('hex')}  -\n`);
    expect((await conn.exec('echo next')).stdout).toBe('next\n');
  });

  it('returns binary output byte for byte (all 256 values, no trailing newline)', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await conn.exec('cat', { stdin: all });
    expect(r.stdoutBytes).toEqual(all);
    const z = await conn.exec("printf '\\000\\001\\377\\n\\r'; head -c 100000 /dev/zero");
    expect(z.stdoutBytes!.subarray(0, 5)).toEqual(Buffer.from([0, 1, 255, 10, 13]));
    expect(z.stdoutBytes!.length).toBe(100005);
  });

  it('streams 100 MB of stdout through the framing, keeping head and tail', async () => {
    const r = await conn.exec('head -c 100000000 /dev/zero; printf END', { maxOutputBytes: 1024 });
    expect(r.truncated).toBe(true);
    expect(r.stdout.endsWith('END')).toBe(true);
    expect((await conn.exec('echo after')).stdout).toBe('after\n');
  }, 60_000);

  it('passes env values quoted and runs in the login directory', async () => {
    const r = await conn.exec('printf "%s|" "$V"; pwd', { env: { V: '$(id) `x` \'q\'' } });
    expect(r.stdout).toBe('$(id) `x` \'q\'|/root\n');
    const home = await conn.exec('cd /tmp && pwd');
    expect(home.stdout).toBe('/tmp\n');
    expect((await conn.exec('pwd')).stdout).toBe('/root\n'); // a cd does not leak into the next command
  });

  it('runs concurrent commands on a few sessions with their own results', async () => {
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => conn.exec(`sleep 0.1; echo ${i}; exit ${i}`)));
    expect(rs.map((r) => [r.stdout, r.exitCode])).toEqual(Array.from({ length: 12 }, (_, i) => [`${i}\n`, i]));
  });

  it('a timeout kills the command\'s process group on the host and the session stays usable', async () => {
    const err = await conn.exec('sleep 1020 & sleep 1021; echo never', { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailure);
    expect((err as StepFailure).kind).toBe('timeout');
    const left = await conn.exec('ps -eo args | grep -E "^sleep 102[01]$" || true');
    expect(left.stdout).toBe('');
  });

  it('restarts a session killed on the host, transparently', async () => {
    // One session (no concurrency on this connection): a command's parent is the session's loop.
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'persistent' }));
    const loop = (await c.exec('echo $PPID')).stdout.trim();
    expect((await c.exec('echo $PPID')).stdout.trim()).toBe(loop);
    // Killed from outside the session (another connection), as an admin or the OOM killer would.
    await conn.exec(`kill -KILL ${loop}`);
    await new Promise((r) => setTimeout(r, 300));
    const r = await c.exec('echo alive; echo $PPID');
    expect(r.exitCode).toBe(0);
    const [word, next] = r.stdout.trim().split('\n');
    expect(word).toBe('alive');
    expect(next).not.toBe(loop);
    await c.close();
  });

  it('re-sends a command whose session died before it started', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'persistent' }));
    const loop = (await c.exec('echo $PPID')).stdout.trim();
    await conn.exec(`kill -KILL ${loop}`);
    // no pause: the request may reach the dead session's channel before its close is seen
    const r = await c.exec('echo ran');
    expect(r).toMatchObject({ stdout: 'ran\n', exitCode: 0 });
    await c.close();
  });

  it('closing the connection leaves no session shell on the host', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'persistent' }));
    const r = await c.exec('echo $PPID');
    const loop = r.stdout.trim();
    await c.close();
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = (await conn.exec(`kill -0 ${loop} 2>/dev/null && echo yes || echo no`)).stdout === 'yes\n';
      if (alive) await new Promise((res) => setTimeout(res, 100));
    }
    expect(alive).toBe(false);
  });

  it('falls back to a channel per command when the session cannot start on the host', async () => {
    const traces: string[] = [];
    const c = new SshConnection(specFor(fleet, fleet.hosts[1]!, { session: 'persistent', debug: (t) => traces.push(t) }));
    const r = await c.exec('echo fallback; exit 4'); // builtins only: nothing else is on that PATH
    expect(r).toMatchObject({ stdout: 'fallback\n', exitCode: 4 });
    expect(c.sessionFallback).toMatch(/the session shell exited .*head/); // no head (nor setsid) on its PATH
    expect(traces.join('\n')).toMatch(/persistent session unavailable .*one channel per command/);
    await c.close();
  });

  it('session: exec runs one channel per command (no session shell)', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'exec' }));
    const r = await c.exec('ps -o args= -p $PPID');
    expect(r.stdout).toMatch(/^sshd/);
    await c.close();
  });
});

describe('persistent sessions on a server with MaxSessions 1', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet(1, () => ({ extraConfig: ['MaxSessions 1'] }));
  });
  afterAll(async () => fleet?.stop());

  it('runs 20 concurrent commands on the one session it can open', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'persistent' }));
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(`echo ${i}; echo $PPID`)));
    expect(rs.map((r) => r.stdout.split('\n')[0])).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`));
    expect(new Set(rs.map((r) => r.stdout.split('\n')[1])).size).toBe(1); // one loop ran them all
    expect(c.sessionFallback).toBeUndefined();
    await c.close();
  });

  it('kills a timed-out command over a second connection while the session holds the only channel', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { session: 'persistent' }));
    const err = await c.exec('sleep 1030', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as StepFailure).kind).toBe('timeout');
    const left = await c.exec('ps -eo args | grep -E "^sleep 1030$" || true');
    expect(left.stdout).toBe('');
    await c.close();
  });
});
