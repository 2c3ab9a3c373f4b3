import { describe, expect, it } from 'vitest';
import { commandLife, type LifeOptions } from '../../src/connection/command-life';
import { InFlight } from '../../src/connection/in-flight';
import { isStepFailure, type StepFailure } from '../../src/errors';
import type { ExecResult } from '../../src/connection/types';

/** A life with a kill the test ends by hand, and its outcome. */
function setUp(over: Partial<LifeOptions> = {}) {
  const events: string[] = [];
  const inFlight = new InFlight();
  let endKill: () => void = () => undefined;
  let outcome: { ok?: ExecResult; err?: StepFailure } = {};
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((r) => (settle = r));
  const life = commandLife({
    name: 'h1',
    inFlight,
    secrets: ['hunter2'],
    partial: () => ({ command: 'cmd', stdout: 'so far', stdoutBytes: Buffer.from('so far'), stderr: '' }),
    kill: () => {
      events.push('kill');
      return new Promise<void>((done) => (endKill = () => (events.push('killed'), done())));
    },
    resolve: (res) => ((outcome = { ok: res }), events.push('resolved'), settle()),
    reject: (err) => ((outcome = { err: err as StepFailure }), events.push('rejected'), settle()),
    ...over,
  });
  return { life, events, inFlight, endKill: () => endKill(), settled, outcome: () => outcome };
}

const result: ExecResult = { command: 'cmd', stdout: 'x', stderr: '', exitCode: 0, durationMs: 1 };

describe('commandLife: one command settles once, and a stop kills before it fails', () => {
  it('a timeout kills, waits for the kill, then fails with kind timeout and the output so far', async () => {
    const t = setUp({ timeoutMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    expect(t.events).toEqual(['kill']); // not failed while the kill runs
    expect(t.life.stopping).toBe('timeout');
    expect(t.life.open).toBe(false);
    t.life.succeed(result); // the command's own ending no longer counts... but settles nothing twice
    t.endKill();
    await t.settled;
    expect(t.events).toEqual(['kill', 'killed', 'rejected']);
    expect(isStepFailure(t.outcome().err)).toBe(true);
    expect(t.outcome().err).toMatchObject({ kind: 'timeout', message: 'h1: timed out after 20 ms', stdout: 'so far' });
  });

  it('stops at most once: a second stop, an abort and the run end share the first stop', async () => {
    const ac = new AbortController();
    const t = setUp({ signal: ac.signal, timeoutMs: 10_000 });
    const first = t.life.stop('interrupted', 'h1: interrupted');
    ac.abort();
    const all = t.inFlight.stopAll();
    expect(t.events).toEqual(['kill']);
    t.endKill();
    await Promise.all([first, all, t.settled]);
    expect(t.events).toEqual(['kill', 'killed', 'rejected']);
    expect(t.inFlight.size).toBe(0);
  });

  it('the run end waits for the kill of a command still running (InFlight)', async () => {
    const t = setUp();
    expect(t.inFlight.size).toBe(1);
    let ended = false;
    const all = t.inFlight.stopAll().then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(ended).toBe(false);
    t.endKill();
    await all;
    expect(t.outcome().err).toMatchObject({ kind: 'interrupted', message: 'h1: stopped: the run is ending' });
  });

  it('fails at once when there is nothing to kill yet', async () => {
    const t = setUp({ kill: () => undefined, timeoutMs: 10 });
    await t.settled;
    expect(t.outcome().err?.kind).toBe('timeout');
    expect(t.inFlight.size).toBe(0);
  });

  it('a settled command is not stopped, and its timer and abort listener are gone', async () => {
    const ac = new AbortController();
    const t = setUp({ signal: ac.signal, timeoutMs: 30 });
    t.life.succeed(result);
    ac.abort();
    await t.life.stop('timeout', 'late');
    await new Promise((r) => setTimeout(r, 60));
    expect(t.events).toEqual(['resolved']);
    expect(t.inFlight.size).toBe(0);
  });

  it('stopWith ends the command its own way (reaping after a lost connection); alsoWait holds the stop open', async () => {
    const t = setUp();
    let reaped: () => void = () => undefined;
    const reaping = new Promise<string>((r) => (reaped = () => r('; its processes were stopped')));
    const stop = t.life.stopWith('connection-lost', reaping.then((note) => `h1: connection lost${note}`));
    let late: () => void = () => undefined;
    t.life.alsoWait(new Promise<void>((r) => (late = r)));
    expect(t.life.stopping).toBe('connection-lost');
    reaped();
    await t.settled;
    expect(t.outcome().err).toMatchObject({ kind: 'connection-lost', message: 'h1: connection lost; its processes were stopped' });
    let stopEnded = false;
    void t.inFlight.stopAll();
    const held = t.life.stop('interrupted', 'x').then(() => (stopEnded = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopEnded).toBe(false); // the late channel's kill is still running
    late();
    await Promise.all([stop, held]);
    expect(stopEnded).toBe(true);
  });

  it('a stopWith whose work fails still settles the command, with that kind', async () => {
    const t = setUp();
    void t.life.stopWith('connection-lost', Promise.reject(new Error('reconnect refused')));
    await t.settled;
    expect(t.outcome().err).toMatchObject({ kind: 'connection-lost', message: 'h1: reconnect refused' });
    expect(t.inFlight.size).toBe(0);
  });

  it('masks secrets in failure messages', async () => {
    const t = setUp();
    t.life.fail('command', 'h1: sudo said hunter2');
    await t.settled;
    expect(t.outcome().err?.message).toBe('h1: sudo said ********');
  });

  it('hands the command to another runner (the exec-channel fallback), leaving nothing tracked', async () => {
    const t = setUp({ timeoutMs: 20 });
    t.life.handOff(async () => ({ ...result, stdout: 'from the fallback' }));
    await t.settled;
    await new Promise((r) => setTimeout(r, 40));
    expect(t.events).toEqual(['resolved']); // its own timer never fired
    expect(t.outcome().ok?.stdout).toBe('from the fallback');
    expect(t.inFlight.size).toBe(0);
  });
});
