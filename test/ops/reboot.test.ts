import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { reboot, rebootCommand, rebootRefusal } from '../../src/ops/reboot';
import { playbook } from '../../src/dsl/playbook';
import { runPlaybook } from '../../src/scheduler/run';
import { ConnectionError, StepFailure, isPlaybookError } from '../../src/errors';
import type { Connection } from '../../src/connection/types';
import { FakeConnection, memoryInventory } from '../support/fake';

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';

/** A host that reboots: after the reboot command it refuses `downFor` connects, then answers with a new boot id. */
function rebootingHost(opts: { downFor?: number; never?: boolean; dropOnReboot?: boolean } = {}) {
  let boot = ID1;
  let down = 0;
  const commands: string[] = [];
  let reconnects = 0;
  const handler = (_h: string, cmd: string) => {
    commands.push(cmd);
    if (cmd.includes('boot_id')) return { stdout: `${boot}\n` };
    if (cmd.includes('systemctl reboot')) {
      down = opts.never ? Infinity : (opts.downFor ?? 1);
      boot = ID2;
      if (opts.dropOnReboot) throw new StepFailure('connection-lost', 'h1: connection lost (reset by peer)');
    }
    return {};
  };
  let conn = new FakeConnection({ name: 'h1', transport: 'ssh', host: 'h1' }, handler);
  const connect = async (): Promise<Connection> => conn;
  const reconnect = async (): Promise<Connection> => {
    reconnects++;
    if (down > 0) {
      down--;
      throw new ConnectionError('unreachable', 'h1: connect ECONNREFUSED 127.0.0.1:22');
    }
    conn = new FakeConnection({ name: 'h1', transport: 'ssh', host: 'h1' }, handler);
    return conn;
  };
  return { connect, reconnect, commands, reconnects: () => reconnects };
}

const run = (host: ReturnType<typeof rebootingHost>, vars: Record<string, unknown>, step = reboot(), check = false) =>
  runPlaybook({ playbook: playbook({ name: 'r', hosts: 'all', steps: [step] }), inventory: memoryInventory({ web: { h1: vars } }), connect: host.connect, reconnect: host.reconnect, check });

describe('ops.reboot', () => {
  it('refuses without -e allow_reboot=yes, before any command changed anything', async () => {
    const host = rebootingHost();
    const s = await run(host, {});
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: expect.stringContaining('refusing to reboot h1: a reboot needs the explicit opt-in -e allow_reboot=yes') } });
    expect(host.commands.filter((c) => c.includes('reboot'))).toEqual([]);
    expect(s.results[0]!.risk).toBe('reboot');
  });

  it('reboots, waits through refused connects, and verifies the new boot id', async () => {
    const host = rebootingHost({ downFor: 2 });
    const s = await run(host, { allow_reboot: 'yes' });
    expect(s.results[0], JSON.stringify(s.results[0])).toMatchObject({ status: 'changed' });
    expect(s.results[0]!.notes.join('\n')).toContain(`boot id ${ID1} → ${ID2}`);
    expect(host.reconnects()).toBeGreaterThanOrEqual(3);
    expect(host.commands.some((c) => c.includes('nohup sh -c') && c.includes('systemctl reboot'))).toBe(true);
  }, 20_000);

  it('a connection dropped by the reboot command itself is the reboot, not a failure', async () => {
    const host = rebootingHost({ downFor: 1, dropOnReboot: true });
    const s = await run(host, { allow_reboot: true });
    expect(s.results[0]!.status).toBe('changed');
  }, 20_000);

  it('a host that never comes back fails the step (not unreachable) within rebootTimeout', async () => {
    const host = rebootingHost({ never: true });
    const s = await run(host, { allow_reboot: 'yes' }, reboot({ rebootTimeout: 3 }));
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: expect.stringMatching(/h1 did not answer again within \d+s .*ECONNREFUSED/) } });
  }, 20_000);

  it('--check predicts the change and notes a missing opt-in instead of failing', async () => {
    const host = rebootingHost();
    const s = await run(host, {}, reboot({ optIn: 'may_reboot' }), true);
    expect(s.results[0]).toMatchObject({ status: 'changed', predicted: true });
    expect(s.results[0]!.notes).toContain('would be refused: no -e may_reboot=yes');
    expect(host.commands.filter((c) => c.includes('reboot'))).toEqual([]);
  });

  it('builds a detached, quoted reboot command and names its opt-in', () => {
    const text = rebootCommand("it's time").text;
    expect(text).toMatch(/^nohup sh -c '.*' >\/dev\/null 2>&1 <\/dev\/null &$/);
    // what the host's shell hands to `sh -c`, and the message systemctl then gets as one word
    const inner = execFileSync('sh', ['-c', text.replace(/^nohup sh -c /, 'printf %s ').replace(/ >\/dev\/null 2>&1 <\/dev\/null &$/, '')], { encoding: 'utf8' });
    expect(inner).toMatch(/^sleep 1; systemctl reboot --message=.* \|\| shutdown -r now /);
    const words = execFileSync('sh', ['-c', inner.replace('sleep 1; systemctl reboot', "printf '%s\\n'").replace(/ \|\| shutdown -r now .*$/, '')], { encoding: 'utf8' });
    expect(words).toBe("--message=it's time\n");
    expect(rebootRefusal('db1', { allow_reboot: 'no' }, 'allow_reboot')).toMatch(/-e allow_reboot=yes \(allow_reboot is "no"\)/);
    expect(rebootRefusal('db1', { allow_reboot: 'on' }, 'allow_reboot')).toBeUndefined();
  });

  it('bad options are usage errors naming the operation', () => {
    for (const bad of [{ rebootTimeout: -1 }, { optIn: 'no spaces' }, { reason: 'a\nb' }, { rebooot: 1 }]) {
      let err: unknown;
      try {
        reboot(bad as never);
      } catch (e) {
        err = e;
      }
      expect(isPlaybookError(err), JSON.stringify(bad)).toBe(true);
      expect((err as Error).message).toMatch(/^reboot\(\): /);
    }
  });
});
