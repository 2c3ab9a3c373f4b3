/**
 * Masking by value in every form (issue 10): a numeric secret, Ansible's ansible_*pass vars
 * used in commands and files, and a secret holding ' " \ $ and a newline (shell-quoted,
 * quoted twice by a nested sh -c, JSON-escaped) appear in neither the console (-vv, --diff),
 * the log nor the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal, type CliResult } from '../support/cli';
import { iniInventory, recap, sshVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/secret-forms.ts');
const SECRETS = {
  vault_thing: '987654321',
  ansible_become_pass: 'become-pw-71c3',
  ansible_ssh_pass: 'ssh-pw-52d9',
  ansible_sudo_pass: 'sudo-pw-18e4',
  weird_token: `Se'cr"et\\Val$HOME-99\nsecond-line-4b`,
};

let fleet: TestFleet;
let r: CliResult;
let logText: string;
let reportText: string;

beforeAll(async () => {
  fleet = await startFleet(1);
  const { weird_token: _w, ...iniVars } = SECRETS;
  const inv = join(fleet.dir, 'hosts.ini');
  writeFileSync(inv, iniInventory([{ name: 'h1', vars: { ...sshVars(fleet, fleet.hosts[0]!), ...iniVars } }]));
  const extra = join(fleet.dir, 'vars.json');
  writeFileSync(extra, JSON.stringify({ weird_token: SECRETS.weird_token }));
  const report = join(fleet.dir, 'report.json');
  const log = join(fleet.dir, 'run.log');
  r = await marshal(['run', PLAYBOOK, '-i', inv, '-e', `@${extra}`, '-vv', '--diff', '--report', report, '--log-file', log]);
  logText = readFileSync(log, 'utf8');
  reportText = readFileSync(report, 'utf8');
});
afterAll(async () => fleet?.stop());

describe('secrets are masked in every form they take', () => {
  it('the run used every secret (two ignored failures, the masked marker where they were)', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recap(r.stdout, 'h1')).toMatchObject({ failed: 0, ignored: 2, changed: 3 });
    expect(r.stdout).toMatch(/\+n=\*{8}/);
    expect(r.stdout).toMatch(/\+w=\*{8}/);
    expect(r.stdout).toMatch(/\$ echo \*{8} \*{8} \*{8} \*{8}; printf '%s\n\s*' \*{8}/);
  });

  for (const [name, value] of Object.entries(SECRETS)) {
    it(`${name} is found in neither the console, the log nor the report`, () => {
      const outputs = { console: r.stdout + r.stderr, log: logText, report: reportText };
      for (const [where, text] of Object.entries(outputs)) {
        expect(text.includes(value), `${where} holds ${name}`).toBe(false);
        // JSON escapes a newline or a quote; the decoded strings must not hold it either
        if (where !== 'console') expect(JSON.stringify(text).includes(JSON.stringify(value).slice(1, -1)), `${where} holds ${name} JSON-escaped`).toBe(false);
      }
    });
  }

  it('no fragment of the weird secret survives its quoting (once, twice, JSON-escaped)', () => {
    for (const text of [r.stdout, logText, reportText]) {
      for (const f of ['Val$HOME-99', 'second-line-4b', 'cr\\"et', 'cr"et']) expect(text).not.toContain(f);
    }
  });
});
