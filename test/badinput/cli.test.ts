/**
 * Bad input at run level: a clear error naming the file and line (or the host, or the step),
 * exit 1, and nothing run. "Nothing run" is observed, not assumed: every inventory points at
 * a local port that counts the connections it gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marshal, type CliResult } from '../support/cli';
import { loopbackAddress } from '../support/sshd';
import { silentPort, type FakeEndpoint } from '../faults/support';

const FIX = join(__dirname, 'fixtures');
let dir: string;
let port: FakeEndpoint;
let inventory: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-badinput-'));
  port = await silentPort(loopbackAddress());
  inventory = file('hosts.ini', `[web]\nweb1 ansible_host=${port.address} ansible_port=${port.port}\nweb2 ansible_host=${port.address} ansible_port=${port.port}\n\n[db]\ndb1 ansible_host=${port.address} ansible_port=${port.port}\n`);
});
afterAll(async () => {
  await port?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Exit 1, one ERROR! message, no play started, no connection made. */
function refused(r: CliResult): string {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stdout).not.toMatch(/PLAY \[|STEP \[/);
  expect(port.connections()).toBe(0);
  expect(r.stderr.startsWith('ERROR! '), r.stderr).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return r.stderr.trim();
}

const run = (playbook: string, ...args: string[]) => marshal(['run', join(FIX, playbook), '-i', inventory, ...args]);

describe('bad inventories', () => {
  it('an INI section header that is not closed: file and line', async () => {
    const inv = file('unclosed.ini', `# hosts\n[web\nweb1 ansible_host=${port.address}\n`);
    expect(refused(await marshal(['run', join(FIX, 'fine.ts'), '-i', inv]))).toBe(`ERROR! ${inv}:2: unclosed section header '[web': expected '[name]', '[name:vars]' or '[name:children]'`);
  });

  it('an INI host line with an unterminated quote: file and line', async () => {
    const inv = file('quote.ini', `[web]\nweb1 ansible_host=${port.address}\nweb2 motd="unterminated\n`);
    expect(refused(await marshal(['run', join(FIX, 'fine.ts'), '-i', inv]))).toMatch(new RegExp(`^ERROR! ${inv}:3: .*No closing quotation`));
  });

  it('malformed YAML: file and line', async () => {
    const inv = file('bad.yml', `all:\n  hosts:\n    web1:\n      ansible_host: ${port.address}\n     ansible_port: 22\n`);
    expect(refused(await marshal(['run', join(FIX, 'fine.ts'), '-i', inv]))).toMatch(new RegExp(`^ERROR! ${inv}:5: YAML syntax error`));
  });

  it('a connection var that is not valid: the host and the var', async () => {
    const inv = file('port.ini', `[web]\nweb1 ansible_host=${port.address} ansible_port=${port.port}\nweb2 ansible_host=${port.address} ansible_port=twenty-two\n`);
    expect(refused(await marshal(['run', join(FIX, 'fine.ts'), '-i', inv]))).toBe('ERROR! bad connection vars in the inventory:\n  host web2: ansible_port must be an integer from 1 to 65535, got "twenty-two"');
  });
});

describe('bad host selections', () => {
  it('an unknown group in --limit', async () => {
    expect(refused(await run('fine.ts', '--limit', 'webservers'))).toBe("ERROR! --limit: no host or group matches 'webservers'");
  });

  it('an unknown group inside a compound --limit', async () => {
    expect(refused(await run('fine.ts', '--limit', 'web:&staging'))).toBe("ERROR! --limit: no host or group matches 'staging'");
  });

  it('a selection that leaves no host', async () => {
    expect(refused(await run('fine.ts', '--limit', 'web:!web*'))).toBe('ERROR! no hosts matched: playbook hosts "all" with --limit "web:!web*"');
  });

  it('an inventory with no hosts at all', async () => {
    const inv = file('empty.ini', '[web]\n[db]\n');
    expect(refused(await marshal(['run', join(FIX, 'fine.ts'), '-i', inv]))).toBe('ERROR! no hosts matched: playbook hosts "all"');
  });
});

describe('bad playbooks', () => {
  it('does not compile: file and line of the syntax error', async () => {
    expect(refused(await run('syntax-error.ts'))).toBe(`ERROR! ${join(FIX, 'syntax-error.ts')}:4: does not compile: Expected "]" but found "}"`);
  });

  it('throws at import: file and line of the throw', async () => {
    expect(refused(await run('throws.ts'))).toBe(`ERROR! ${join(FIX, 'throws.ts')}:5: threw while loading: settings.json is missing`);
  });

  it('default-exports something else', async () => {
    expect(refused(await run('wrong-export.ts'))).toBe(
      `ERROR! ${join(FIX, 'wrong-export.ts')}:1: the default export is not a playbook (got an object with keys 0); write \`export default playbook({ ... })\``,
    );
  });

  it('duplicate step names: the second one, pointing at the first', async () => {
    expect(refused(await run('duplicate-steps.ts'))).toBe(
      `ERROR! ${join(FIX, 'duplicate-steps.ts')}:6: duplicate step name "same name" (first defined at ${join(FIX, 'duplicate-steps.ts')}:5); step names must be unique so --start-at-task, reports and logs are unambiguous`,
    );
  });

  it('a misspelt step option', async () => {
    expect(refused(await run('unknown-option.ts'))).toMatch(new RegExp(`^ERROR! ${join(FIX, 'unknown-option.ts')}:7: step "a": unknown option \`timout\``));
  });

  it('a missing -e @file', async () => {
    expect(refused(await run('fine.ts', '-e', `@${join(dir, 'nope.yml')}`))).toMatch(/nope\.yml/);
  });
});

describe('a template with a missing variable', () => {
  // Template data differs per host, so this is found when the step renders, before its first
  // command: the step fails on every host, naming the template's file and line; like any other
  // bad input the play stops there and the exit code is 1.
  it('fails the step on each host with template file:line, host and step, before any connection', async () => {
    const report = join(dir, 'template.json');
    const r = await run('missing-template-var.ts', '--report', report);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/play stopped: template error on \w+ in "domain XML rendered"/);
    const tpl = join(FIX, 'templates/vm.xml.hbs');
    for (const host of ['web1', 'web2', 'db1']) {
      expect(r.stdout).toContain(`failed: [${host}] domain XML rendered · ${tpl}:3: "memory_kib" not defined`);
    }
    const results = JSON.parse(readFileSync(report, 'utf8')).results;
    expect(results.map((x: any) => [x.host, x.status, x.failure.kind, x.commands.length])).toEqual([
      ['web1', 'failed', 'template', 0],
      ['web2', 'failed', 'template', 0],
      ['db1', 'failed', 'template', 0],
    ]);
    expect(port.connections()).toBe(0);
  });
});
