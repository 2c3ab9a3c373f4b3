/**
 * The log and the report on a bad or full filesystem (issue 10 #8): a bad --report or
 * --log-file path fails before any host is touched; a full disk (a real 64 KiB tmpfs in a
 * private mount namespace) never changes the run's exit code, leaves no temp file, and the
 * play, its recap and the other outputs go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { CLI, ROOT, marshal, type CliResult } from '../support/cli';
import { iniInventory, recap, sshVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/many-steps.ts');

let fleet: TestFleet;
let inv: string;
let work: string;

beforeAll(async () => {
  fleet = await startFleet(1);
  inv = join(fleet.dir, 'hosts.ini');
  writeFileSync(inv, iniInventory([{ name: 'h1', vars: sshVars(fleet, fleet.hosts[0]!) }]));
  work = mkdtempSync(join(tmpdir(), 'marshal-output-files-'));
});
afterAll(async () => {
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const marker = () => join(fleet.hosts[0]!.dir, 'home/marshal-was-here');

/**
 * Runs the CLI in a private mount namespace with a 64 KiB tmpfs on `mnt`, `fill` bytes of it
 * taken; lists the tmpfs and copies its log out before the namespace (and the tmpfs) goes.
 */
function runOnTinyDisk(name: string, fill: 'all' | number, args: (mnt: string) => string[]): Promise<CliResult & { listing: string[]; log: string }> {
  const dir = join(work, name);
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt, { recursive: true });
  const script = [
    'set -u',
    'mount -t tmpfs -o size=64k marshal-full "$MNT" || exit 97',
    'if [ "$FILL" = all ]; then cat /dev/zero > "$MNT/filler" 2>/dev/null; else head -c "$FILL" /dev/zero > "$MNT/filler"; fi',
    '"$@"; rc=$?',
    'ls -A "$MNT" > "$OUT/listing"; cat "$MNT"/*.log > "$OUT/log" 2>/dev/null',
    'exit $rc',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, CLI, ...args(mnt)], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MNT: mnt, OUT: dir, FILL: String(fill) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
      resolve({ code, signal, stdout, stderr, listing: read('listing').split('\n').filter(Boolean), log: read('log') });
    });
  });
}

describe('report and log on a full disk', () => {
  it('a full report disk: one error line with path and errno, exit code 2 stays 2, no temp file, recap and log complete', async () => {
    const log = join(work, 'report-full.log');
    const r = await runOnTinyDisk('report-full', 'all', (mnt) => ['run', PLAYBOOK, '-i', inv, '--report', join(mnt, 'r.json'), '--log-file', log]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain(`report not written: ${join(work, 'report-full/mnt/r.json')}: no space left on device (ENOSPC)`);
    expect(r.stdout + r.stderr).not.toContain('ERROR!');
    expect(recap(r.stdout, 'h1')).toMatchObject({ changed: 41, failed: 1 });
    expect(r.listing).toEqual(['filler']);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ event: 'play_end', exit_code: 2 });
  });

  it('a log that fills up mid-run: one warning, logging stops, the play, the recap and the report go on', async () => {
    const report = join(work, 'log-full.json');
    // 60 KiB of 64 taken: one 4 KiB page left, about 16 of the run's ~43 log lines
    const r = await runOnTinyDisk('log-full', 60 * 1024, (mnt) => ['run', PLAYBOOK, '-i', inv, '--log-file', join(mnt, 'run.log'), '--report', report]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const warnings = (r.stdout + r.stderr).match(/log not written: .*run\.log: no space left on device \(ENOSPC\); logging stopped/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(recap(r.stdout, 'h1')).toMatchObject({ changed: 41, failed: 1 });
    expect(existsSync(marker())).toBe(true);
    const logged = r.log.split('\n').filter((l) => l.startsWith('{'));
    expect(logged.length).toBeGreaterThan(3);
    expect(logged.length).toBeLessThan(40);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.exitCode).toBe(2);
    expect(json.results).toHaveLength(42);
    expect(r.listing).toEqual(['filler', 'run.log']);
  });
});

describe('bad report and log paths fail before any host is touched', () => {
  const cases: [string, string, RegExp][] = [
    ['--report', '/proc/1/r.json', /--report \/proc\/1\/r\.json: \/proc\/1 is on proc, a kernel pseudo-filesystem/],
    ['--log-file', '/sys/kernel/run.log', /--log-file \/sys\/kernel\/run\.log: \/sys\/kernel is on sys/],
    ['--report', '/dev/null', /--report \/dev\/null: \/dev is on dev/],
    ['--report', '.', /is a directory, not a regular file/],
  ];
  for (const [flag, path, message] of cases) {
    it(`${flag} ${path}: exit 1 naming the flag and the path, nothing run`, async () => {
      rmSync(marker(), { force: true });
      const r = await marshal(['run', PLAYBOOK, '-i', inv, flag, path], { timeoutMs: 60_000 });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toContain('PLAY');
      expect(existsSync(marker())).toBe(false);
    });
  }
});
