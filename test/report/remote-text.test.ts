/**
 * Text from a host never reaches the operator's terminal raw (issue 10 #9): escape sequences
 * are shown as visible escapes and a host's line cannot pass for a recap line; the JSON
 * report keeps the text as data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal, type CliResult } from '../support/cli';
import { iniInventory, sshVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/hostile-output.ts');
let fleet: TestFleet;
let r: CliResult;
let report: { results: { notes: string[] }[] };

beforeAll(async () => {
  fleet = await startFleet(1);
  const inv = join(fleet.dir, 'hosts.ini');
  writeFileSync(inv, iniInventory([{ name: 'h1', vars: sshVars(fleet, fleet.hosts[0]!) }]));
  const file = join(fleet.dir, 'r.json');
  r = await marshal(['run', PLAYBOOK, '-i', inv, '--report', file]);
  report = JSON.parse(readFileSync(file, 'utf8'));
});
afterAll(async () => fleet?.stop());

describe('remote text on the console', () => {
  it('the run failed where the playbook says (exit 2)', () => {
    expect(r.code, r.stdout + r.stderr).toBe(2);
  });

  it('no control character reaches the terminal; the escapes are shown visibly', () => {
    const controls = [...(r.stdout + r.stderr)].filter((c) => /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(c));
    expect(controls).toEqual([]);
    // note, warning, verify message and stderr tail
    expect(r.stdout.split('\\x1b[2J\\x1b]0;owned\\x07').length - 1).toBeGreaterThanOrEqual(4);
  });

  it('a line from the host never stands at the start of a line, so the fake recap is not a recap', () => {
    const recapLines = r.stdout.split('\n').filter((l) => /^h1\s+: ok=/.test(l));
    expect(recapLines).toHaveLength(1);
    expect(recapLines[0]).toMatch(/failed=1/);
  });

  it('the JSON report keeps the host text as data', () => {
    expect(report.results[0]!.notes[0]).toBe('\x1b[2J\x1b]0;owned\x07\nh1 : ok=9 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0\n');
  });
});
