/**
 * Secrets at run level: the become password, vars secret by name or by `secrets`, and
 * secret() values never appear in the console output (-vv, --diff), the pino log, the JSON
 * report, or error messages; the masked marker shows where they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal, type CliResult } from '../support/cli';
import { ALICE_PASSWORD, labAccounts, sudoAvailable } from '../connection/users';
import { iniInventory, recap, sshVars, type HostVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/secrets.ts');
const hasSudo = sudoAvailable();
const API_KEY = `AKIA-5ecret-'q'-"dq"-key`;
const DB_PASSWORD = 'db pw 9f2c0';
const INLINE = 'inline-zq81x';

const ACCOUNTS = join(`/tmp`, `marshal-secrets-accounts-${process.pid}`);
let fleet: TestFleet;
let r: CliResult;
let logText: string;
let reportText: string;

/** Every string inside parsed JSON (JSON escapes would hide a leak from a plain text search). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

beforeAll(async () => {
  fleet = await startFleet(hasSudo ? 2 : 1, (i) =>
    i === 1 ? { binds: labAccounts(ACCOUNTS), extraConfig: ['Match User alice', '  PasswordAuthentication yes'] } : {},
  );
  const hosts: { name: string; vars: HostVars }[] = [{ name: 'rooted', vars: sshVars(fleet, fleet.hosts[0]!) }];
  if (hasSudo) {
    const { ansible_ssh_private_key_file: _k, ...v } = sshVars(fleet, fleet.hosts[1]!, { ansible_user: 'alice', ansible_password: ALICE_PASSWORD, use_become: 'True' });
    hosts.push({ name: 'alice', vars: v });
  }
  const inv = join(fleet.dir, 'hosts.ini');
  writeFileSync(inv, iniInventory(hosts));
  const pwFile = join(fleet.dir, 'become.pw');
  writeFileSync(pwFile, `${ALICE_PASSWORD}\n`, { mode: 0o600 });
  const extra = join(fleet.dir, 'vars.json');
  writeFileSync(extra, JSON.stringify({ api_key: API_KEY, db_password: DB_PASSWORD, inline_value: 'zq81x' }));
  const report = join(fleet.dir, 'report.json');
  const log = join(fleet.dir, 'run.log');
  r = await marshal(['run', PLAYBOOK, '-i', inv, '-e', `@${extra}`, '--become-password-file', pwFile, '-vv', '--diff', '--report', report, '--log-file', log]);
  logText = readFileSync(log, 'utf8');
  reportText = readFileSync(report, 'utf8');
});
afterAll(async () => {
  await fleet?.stop();
  rmSync(ACCOUNTS, { recursive: true, force: true });
});

const SECRETS = { API_KEY, DB_PASSWORD, INLINE, ALICE_PASSWORD };

describe('secrets never leak', () => {
  it('the run did what leaks would come from (and sudo worked with the password from the file)', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const failedIgnored = (r.stdout.match(/^failed \(ignored\): \[rooted\]/gm) ?? []).length;
    expect(failedIgnored).toBe(3);
    expect(recap(r.stdout, 'rooted')).toMatchObject({ failed: 0, ignored: 3 });
    if (hasSudo) expect(recap(r.stdout, 'alice')).toMatchObject({ failed: 0, ignored: 3, skipped: 0 });
    // the masked marker stands where the values were
    expect(r.stdout).toContain('********');
    expect(r.stdout).toMatch(/failed \(ignored\): \[rooted\] playbook code throws the secret itself · bad key \*{8} \/ \*{8}/);
    expect(r.stdout).toMatch(/\+key=\*{8}/); // --diff of the written file
  });

  for (const [name, value] of Object.entries(SECRETS)) {
    it(`${name} appears in neither the console, the pino log, the JSON report nor error output`, () => {
      if (name === 'ALICE_PASSWORD' && !hasSudo) return;
      expect(r.stdout).not.toContain(value);
      expect(r.stderr).not.toContain(value);
      expect(logText).not.toContain(value);
      expect(reportText).not.toContain(value);
      const logged = logText.trim().split('\n').flatMap((l) => strings(JSON.parse(l)));
      expect(logged.filter((s) => s.includes(value))).toEqual([]);
      expect(strings(JSON.parse(reportText)).filter((s) => s.includes(value))).toEqual([]);
    });
  }
});
