/**
 * Privilege at run level: `become` through sudo with the password asked once (-K on a real
 * terminal), and a wrong sudo password failing that host clearly, without hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { CLI, marshal } from '../support/cli';
import { ALICE_PASSWORD, labAccounts, sudoAvailable } from '../connection/users';
import { iniInventory, recap, sshVars, type HostVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/become.ts');
const WRONG = 'wrong-sudo-pw-41c9';

let fleet: TestFleet;
const ACCOUNTS = join('/tmp', `marshal-become-accounts-${process.pid}`);
beforeAll(async () => {
  if (!sudoAvailable()) return;
  fleet = await startFleet(1, () => ({
    binds: labAccounts(ACCOUNTS),
    extraConfig: ['Match User alice', '  PasswordAuthentication yes'],
  }));
});
afterAll(async () => {
  await fleet?.stop();
  rmSync(ACCOUNTS, { recursive: true, force: true });
});

/** alice on the one server, under several inventory names (one connection each). */
function aliceInventory(file: string, names: Record<string, HostVars>): string {
  const { ansible_ssh_private_key_file: _k, ...base } = sshVars(fleet, fleet.hosts[0]!, { ansible_user: 'alice', ansible_password: ALICE_PASSWORD });
  const inv = join(fleet.dir, file);
  writeFileSync(inv, iniInventory(Object.entries(names).map(([name, extra]) => ({ name, vars: { ...base, ...extra } }))));
  return inv;
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer` once the prompt shows. */
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; out: string }> {
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let typed = false;
  const onData = (d: Buffer) => {
    out += d;
    if (!typed && out.includes('BECOME password: ')) {
      typed = true;
      child.stdin.write(`${answer}\r`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      child.stdin.end();
      resolve({ code, out });
    }),
  );
}

describe.skipIf(!sudoAvailable())('become with sudo (needs sudo: apt-get install -y sudo)', () => {
  it('-K asks for the password once, on the terminal, without echo; every host and step becomes root', async () => {
    const inv = aliceInventory('ask.ini', { alice1: {}, alice2: {}, alice3: {} });
    const report = join(fleet.dir, 'ask.json');
    const r = await onTerminal(['run', PLAYBOOK, '-i', inv, '-K', '--report', report], ALICE_PASSWORD);
    expect(r.code, r.out).toBe(0);
    expect(r.out.split('BECOME password: ').length - 1).toBe(1);
    expect(r.out).not.toContain(ALICE_PASSWORD);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.results).toHaveLength(6);
    expect(json.results.every((x: any) => x.status === 'changed')).toBe(true);
  });

  it('a wrong sudo password fails that host with "sudo: wrong password"; the other host completes; exit 2', async () => {
    const inv = aliceInventory('wrong.ini', { good: { ansible_become_password: ALICE_PASSWORD }, bad: { ansible_become_password: WRONG } });
    const report = join(fleet.dir, 'wrong.json');
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '--report', report]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain('failed: [bad] root through sudo · bad: sudo: wrong password');
    expect(recap(r.stdout, 'bad')).toMatchObject({ ok: 0, failed: 1 });
    expect(recap(r.stdout, 'good')).toMatchObject({ ok: 2, changed: 2, failed: 0 });
    const text = r.stdout + r.stderr + readFileSync(report, 'utf8');
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain(ALICE_PASSWORD);
    const bad = JSON.parse(readFileSync(report, 'utf8')).results.filter((x: any) => x.host === 'bad');
    expect(bad).toEqual([expect.objectContaining({ status: 'failed', failure: expect.objectContaining({ kind: 'become' }) })]);
  });

  it('-K without a terminal is a clear usage error and runs nothing', async () => {
    const inv = aliceInventory('noterm.ini', { alice1: {} });
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '-K']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('-K needs a terminal to ask for the password; use --become-password-file instead');
    expect(r.stdout).not.toContain('STEP [');
  });
});
