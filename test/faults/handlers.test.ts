/**
 * A handler notified by a change survives an interrupted run: the notification is on the host
 * before the change, so the next run runs the handler although the change is already made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { hostRuns, iniInventory, recap, sshVars, startMarshal, waitUntil } from './support';

const PLAYBOOK = join(__dirname, 'fixtures/handlers.ts');
let fleet: TestFleet;
beforeAll(async () => {
  fleet = await startFleet(1);
});
afterAll(async () => fleet?.stop());

describe('handlers after an interrupted run', () => {
  it('run on the next run, although the notifying change was already made', async () => {
    const h = fleet.hosts[0]!;
    const restarts = join(h.dir, 'home', 'restarts');
    const inv = (long: number) => {
      const file = join(fleet.dir, `h${long}.ini`);
      writeFileSync(file, iniInventory([{ name: h.name, vars: sshVars(fleet, h, { conf: 'port=8080', long }) }]));
      return file;
    };
    const run = startMarshal(['run', PLAYBOOK, '-i', inv(5)]);
    await run.waitFor(/STEP \[long\]/);
    await waitUntil(() => hostRuns(h, /^sleep 5$/), 'sleep 5 on the host');
    run.child.kill('SIGINT');
    const first = await run.done;
    expect(first.code, first.stdout + first.stderr).toBe(130);
    expect(first.stdout).not.toContain('HANDLER [restart the app]');
    expect(existsSync(restarts)).toBe(false);

    const second = await startMarshal(['run', PLAYBOOK, '-i', inv(0)]).done;
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/STEP \[write the config\][^\n]*\nok: \[host1\]/);
    expect(second.stdout).toContain('HANDLER [restart the app]');
    expect(readFileSync(restarts, 'utf8')).toBe('restarted\n');
    expect(recap(second.stdout, h.name)).toMatchObject({ changed: 2, failed: 0 });

    // the notification is gone once the handler ran: a third run restarts nothing
    const third = await startMarshal(['run', PLAYBOOK, '-i', inv(0)]).done;
    expect(third.stdout).not.toContain('HANDLER [restart the app]');
    expect(readFileSync(restarts, 'utf8')).toBe('restarted\n');
  });
});
