/**
 * Vaulted vars over a real sshd host (issue 13.3): inline `!vault` values (1.1 and 1.2 with a
 * vault id) and a whole encrypted group_vars file, made by ansible-vault (test/inventory/fixtures/
 * vault), are used in commands and a file; no plaintext reaches the console (-vv, --diff), the
 * pino log, the JSON report or an error. A wrong vault password: exit 1, a clear message, no
 * connection to the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal, type CliResult } from '../support/cli';
import { iniInventory, recap, silentPort, sshVars, type FakeEndpoint } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/vault.ts');
const FIX = join(__dirname, '../inventory/fixtures/vault');
const PLAINTEXTS = {
  api_key: 'inline-1.2 t0ken',
  db_password: 'inline-1.1 s3cret',
  vault_admin_password: 'whole file 1.1',
  nested_key: 'nested-leaf-x',
};

let fleet: TestFleet;
let silent: FakeEndpoint;
let r: CliResult;
let logText: string;
let reportText: string;
let dir: string;
const passwords = (): string[] => ['--vault-password-file', join(FIX, 'default.pass'), '--vault-id', `prod@${join(FIX, 'prod.pass')}`];

/** Every string inside parsed JSON (JSON escapes would hide a leak from a plain text search). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

/** The fixture's inline `!vault` values, moved to the top level of a group_vars file. */
function inlineVaultVars(): string {
  const lines = readFileSync(join(FIX, 'inv/hosts.yml'), 'utf8').split('\n');
  return lines.slice(lines.findIndex((l) => l.includes('!vault'))).map((l) => l.replace(/^ {4}/, '')).join('\n');
}

beforeAll(async () => {
  fleet = await startFleet(1);
  silent = await silentPort(fleet.hosts[0]!.address);
  dir = fleet.dir;
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(join(dir, 'hosts.ini'), iniInventory([{ name: 'vaulted', vars: sshVars(fleet, fleet.hosts[0]!) }]));
  writeFileSync(join(dir, 'group_vars/fleet.yml'), inlineVaultVars());
  copyFileSync(join(FIX, 'inv/group_vars/web.yml'), join(dir, 'group_vars/all.yml'));
  // the same vars, but the host is a port that counts connections and never answers
  mkdirSync(join(dir, 'silent/group_vars'), { recursive: true });
  writeFileSync(join(dir, 'silent/hosts.ini'), iniInventory([{ name: 'vaulted', vars: sshVars(fleet, silent) }]));
  writeFileSync(join(dir, 'silent/group_vars/fleet.yml'), inlineVaultVars());
  copyFileSync(join(FIX, 'inv/group_vars/web.yml'), join(dir, 'silent/group_vars/all.yml'));
  const report = join(dir, 'report.json');
  const log = join(dir, 'run.log');
  r = await marshal(['run', PLAYBOOK, '-i', join(dir, 'hosts.ini'), ...passwords(), '-vv', '--diff', '--report', report, '--log-file', log]);
  logText = readFileSync(log, 'utf8');
  reportText = readFileSync(report, 'utf8');
});
afterAll(async () => {
  await silent?.close();
  await fleet?.stop();
});

describe('vaulted values in a run', () => {
  it('the run used the decrypted values (the file on the host holds them) and masked them', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recap(r.stdout, 'vaulted')).toMatchObject({ failed: 0, ignored: 2 });
    expect(r.stdout).toMatch(/\+key=\*{8}/); // --diff of the written file
    expect(r.stdout).toContain('using ********');
  });

  for (const [name, value] of Object.entries(PLAINTEXTS)) {
    it(`${name} appears in neither the console, the pino log, the JSON report nor error output`, () => {
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

describe('vault passwords that do not fit', () => {
  it('a wrong vault password: exit 1, the HMAC message with file, line and vault id, no connection made', async () => {
    const wrong = join(dir, 'wrong.pass');
    writeFileSync(wrong, 'not-the-password\n');
    const w = await marshal(['run', PLAYBOOK, '-i', join(dir, 'silent/hosts.ini'), '--vault-password-file', wrong, '--vault-id', `prod@${join(FIX, 'prod.pass')}`, '--connect-timeout', '2']);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/vault: HMAC check failed for \S+\/silent\/group_vars\/(all|fleet)\.yml:\d+ \(wrong password for vault id /);
    expect(w.stdout).not.toMatch(/PLAY RECAP|vaulted\s+:/);
    expect(silent.connections()).toBe(0);
  });

  it('no vault password: exit 1 and the flags to use; --ask-vault-pass without a terminal says what to use instead', async () => {
    const none = await marshal(['run', PLAYBOOK, '-i', join(dir, 'silent/hosts.ini')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/is encrypted with ansible-vault but no vault password was given \(use --vault-password-file, --vault-id or --ask-vault-pass\)/);
    const ask = await marshal(['inventory', '-i', join(dir, 'silent/hosts.ini'), '--list', '--ask-vault-pass']);
    expect(ask.code).toBe(1);
    expect(ask.stderr).toContain('--ask-vault-pass and --vault-id label@prompt need a terminal');
    expect(silent.connections()).toBe(0);
  });

  it('a vaulted value quoted in an error message is masked (a vaulted ansible_port that is no number)', async () => {
    mkdirSync(join(dir, 'port/group_vars'), { recursive: true });
    writeFileSync(join(dir, 'port/hosts.ini'), iniInventory([{ name: 'h1', vars: { ansible_host: silent.address } }]));
    const inline = inlineVaultVars().split('\n');
    writeFileSync(join(dir, 'port/group_vars/fleet.yml'), inline.slice(inline.findIndex((l) => l.startsWith('api_key'))).join('\n').replace('api_key', 'ansible_port'));
    const e = await marshal(['run', join(__dirname, 'fixtures/one-step.ts'), '-i', join(dir, 'port/hosts.ini'), ...passwords()]);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('ansible_port must be an integer from 1 to 65535, got "********"');
    expect(e.stderr + e.stdout).not.toContain(PLAINTEXTS.api_key);
  });

  it('marshal inventory --list decrypts (ANSIBLE_VAULT_PASSWORD_FILE counts) and shows vaulted values masked', async () => {
    const l = await marshal(['inventory', '-i', join(dir, 'hosts.ini'), '--list', '--vault-id', `prod@${join(FIX, 'prod.pass')}`], { env: { ANSIBLE_VAULT_PASSWORD_FILE: join(FIX, 'default.pass') } });
    expect(l.code, l.stderr).toBe(0);
    const vars = (JSON.parse(l.stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars.vaulted!;
    expect(vars).toMatchObject({ api_key: '********', db_password: '********', vault_admin_password: '********', nested: { key: '********' }, port_note: 8080 });
    for (const v of Object.values(PLAINTEXTS)) expect(l.stdout).not.toContain(v);
  });
});
