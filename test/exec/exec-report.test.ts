/**
 * `marshal exec` reports like `run`: -v durations, -vv the commands as sent, -vvv the connection
 * trace, --report JSON and --report-html pages (rendered in chromium), secrets masked everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Browser } from 'playwright-core';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';
import { iniInventory, recap, sshVars } from '../faults/support';
import { launchChromium } from '../report/browser';
import { ExecReporter } from '../../src/exec';
import { readRunReport } from '../../src/report/html';
import type { StepResult } from '../../src/results/results';

const SECRET = 'exec-secret-4kq9z';
let fleet: TestFleet;
let inv: string;
let dir: string;
let pwFile: string;
let browser: Browser | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-exec-report-'));
  fleet = await startFleet(2);
  inv = join(dir, 'fleet.ini');
  writeFileSync(inv, iniInventory([{ name: 'zeta', vars: sshVars(fleet, fleet.hosts[0]!) }, { name: 'alpha', vars: sshVars(fleet, fleet.hosts[1]!) }]));
  // a become password is a secret: every output masks it, even where the command prints it
  pwFile = join(dir, 'become-pw');
  writeFileSync(pwFile, `${SECRET}\n`);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The server address of the ssh session: tells the hosts apart. */
const SERVER = `"$(echo "$SSH_CONNECTION" | cut -d' ' -f3)"`;

describe('marshal exec -v / -vv / -vvv', () => {
  it('plain: no durations nor commands; -v adds each host time; -vv first the command as sent, masked', async () => {
    const cmd = `echo ${SECRET}`;
    const plain = await marshal(['exec', 'all', '-i', inv, '--become-password-file', pwFile, '--', cmd]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain('zeta | CHANGED | rc=0 >>\n********\n');
    const v = await marshal(['exec', 'all', '-i', inv, '-v', '--become-password-file', pwFile, '--', cmd]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^zeta \| CHANGED \| rc=0 \(\d+\.\d\ds\) >>\n\*{8}\n/m);
    expect(v.stdout).not.toContain('> $ ');
    const vv = await marshal(['exec', 'all', '-i', inv, '-vv', '--become-password-file', pwFile, '--', cmd]);
    expect(vv.code, vv.stdout + vv.stderr).toBe(0);
    expect(vv.stdout).toMatch(/^<alpha> \$ echo \*{8} {2}→ 0 \(\d+ ms\)\nalpha \| CHANGED \| rc=0 \(\d+\.\d\ds\) >>\n\*{8}\n/m);
    expect(recap(vv.stdout, 'alpha')).toMatchObject({ ok: 1, changed: 1 });
    for (const r of [plain, v, vv]) expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('-vvv prints the connection trace per host, masked', async () => {
    const r = await marshal(['exec', 'zeta', '-i', inv, '-vvv', '--become-password-file', pwFile, '--', `echo ${SECRET}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<zeta> .+/m);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

describe('marshal exec --report / --report-html', () => {
  it('writes run-format JSON and an HTML page that renders the run with its failure, secrets masked', async () => {
    const json = join(dir, 'exec.json');
    const html = join(dir, 'exec.html');
    const cmd = `if [ ${SERVER} = ${fleet.hosts[1]!.address} ]; then echo "no ${SECRET}" >&2; exit 3; fi; echo fine`;
    const r = await marshal(['exec', 'all', '-i', inv, '--become-password-file', pwFile, '--report', json, '--report-html', html, '--', cmd]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const report = readRunReport(json);
    expect(report.hosts).toEqual(['zeta', 'alpha']);
    expect(report.results.map((x) => [x.host, x.step, x.status])).toEqual(expect.arrayContaining([['zeta', 'exec', 'changed'], ['alpha', 'exec', 'failed']]));
    expect(report.exitCode).toBe(2);
    const failed = report.results.find((x) => x.host === 'alpha')!;
    expect(failed.status === 'failed' && failed.failure).toMatchObject({ kind: 'command', exitCode: 3 });
    for (const f of [json, html]) expect(readFileSync(f, 'utf8')).not.toContain(SECRET);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-rendered-ms], body[data-error]', { timeout: 30_000 });
    expect(errors).toEqual([]);
    expect(await page.getAttribute('#shown', 'data-results')).toBe('2');
    const row = page.locator('#failures tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.first().textContent()).toContain('no ********');
    expect(await page.textContent('body')).not.toContain(SECRET);
    await page.close();
  }, 90_000);

  it('a report path that cannot be written is refused before any host is touched (exit 1)', async () => {
    const marker = join(dir, 'touched');
    const r = await marshal(['exec', 'all', '-i', inv, '--report', '/proc/marshal-exec.json', '--', `touch ${marker}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--report /proc/marshal-exec.json: /proc is on proc');
    const h = await marshal(['exec', 'all', '-i', inv, '--report-html', '/proc/marshal-exec.html', '--', `touch ${marker}`]);
    expect(h.code).toBe(1);
    expect(h.stderr).toContain('--report-html /proc/marshal-exec.html: /proc is on proc');
    expect(existsSync(marker)).toBe(false);
  });

  it('--become-password-file that cannot be read is a usage error naming the flag (the helper run shares)', async () => {
    const r = await marshal(['exec', 'all', '-i', inv, '--become-password-file', join(dir, 'absent'), '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--become-password-file: ENOENT.*absent/);
  });
});

describe('ExecReporter verbosity (no hosts)', () => {
  const result: StepResult = {
    host: 'h1', step: 'exec', stepIndex: 0, startedAt: new Date(0).toISOString(), durationMs: 1234, status: 'changed', notes: [], warnings: [],
    commands: [{ command: 'sudo -n -- sh -c uptime', exitCode: 0, durationMs: 12, phase: 'run' }],
  };
  const print = (verbose: number) => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const rep = new ExecReporter(new Map([['h1', { exitCode: 0, stdout: 'up 3 days\n', stderr: '' } as never]]), (t) => t, out, verbose);
    rep.playStart({ hosts: ['h1'] } as never);
    rep.result(result);
    rep.message('debug', 'settling');
    return text;
  };
  it('0: the header alone; 1: with the time; 2: with each command and run-level debug messages', () => {
    expect(print(0)).toBe('h1 | CHANGED | rc=0 >>\nup 3 days\n');
    expect(print(1)).toBe('h1 | CHANGED | rc=0 (1.23s) >>\nup 3 days\n');
    expect(print(2)).toBe('<h1> $ sudo -n -- sh -c uptime  → 0 (12 ms)\nh1 | CHANGED | rc=0 (1.23s) >>\nup 3 days\n[DEBUG]: settling\n');
  });
});
