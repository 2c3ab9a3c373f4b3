/**
 * The example's two playbooks end to end, embedded through `marshal/runner`, against real sshd
 * hosts on loopback (root in each server's private mount namespace: /root/www there is
 * <host dir>/home/www here, nothing else on this machine is touched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runPlaybookFiles, type RunFilesOptions, type RunSummary } from 'marshal/runner';
import { isUsageError } from 'marshal';
import { startFleet, type TestFleet } from '../../../test/support/sshd';

const WEB = join(__dirname, '../playbooks/web.ts');
const CONTENT = join(__dirname, '../playbooks/content.ts');
let fleet: TestFleet;
let inventory: string;

/** A path under the host's /root/www, seen from outside its mount namespace. */
const www = (i: number, ...p: string[]) => join(fleet.hosts[i]!.dir, 'home/www', ...p);

beforeAll(async () => {
  fleet = await startFleet(2);
  inventory = join(fleet.dir, 'hosts.ini');
  const lines = ['[web]'];
  for (const h of fleet.hosts) lines.push(`${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile}`);
  lines.push('', '[web:vars]', `marshal_known_hosts=${fleet.knownHosts}`, 'marshal_host_key_checking=strict', 'web_root=/root/www', 'port=8080');
  writeFileSync(inventory, lines.join('\n') + '\n');
});
afterAll(async () => fleet?.stop());

async function run(playbookFile: string, extra: Partial<RunFilesOptions> = {}): Promise<{ s: RunSummary; out: string; report: { results: { step: string; host: string; status: string; item?: { label: string } }[] } }> {
  let out = '';
  const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
  const report = join(fleet.dir, `report-${Date.now()}.json`);
  const s = await runPlaybookFiles({ playbookFile, inventory: [inventory], out: sink, color: false, report, ...extra });
  return { s, out, report: JSON.parse(readFileSync(report, 'utf8')) };
}

const totals = (s: RunSummary) => Object.values(s.stats).reduce((a, b) => ({ changed: a.changed + b.changed, failed: a.failed + b.failed, rescued: a.rescued + b.rescued }), { changed: 0, failed: 0, rescued: 0 });

describe('examples/web on real sshd hosts', () => {
  it('web.ts --check predicts the changes and writes nothing', async () => {
    const { s } = await run(WEB, { check: true });
    expect(s.exitCode).toBe(0);
    expect(existsSync(www(0))).toBe(false);
  });

  it('web.ts configures the server, the handler reloads it once; the second run is all ok', async () => {
    const first = await run(WEB);
    expect(first.s.exitCode, first.out).toBe(0);
    expect(readFileSync(www(1, 'web.conf'), 'utf8')).toBe('# managed by Marshal (examples/web)\nlisten=8080\nroot=/root/www/current\nsite=alpha\nsite=beta\n');
    expect(readFileSync(www(0, 'run/reloaded'), 'utf8')).toBe('listen=8080\n');
    expect(first.out).toContain('changed: [host1] => (item=directory /root/www/releases)');
    expect(first.report.results.filter((r) => r.step === 'reload web').map((r) => r.status)).toEqual(['changed', 'changed']);
    const second = await run(WEB);
    expect(second.s.exitCode).toBe(0);
    expect(totals(second.s)).toEqual({ changed: 0, failed: 0, rescued: 0 });
    expect(second.report.results.every((r) => r.status === 'ok')).toBe(true);
    expect(second.report.results.map((r) => r.step)).not.toContain('reload web');
  });

  it('content.ts publishes release 1 (one result per site), then is all ok', async () => {
    const first = await run(CONTENT, { diff: true });
    expect(first.s.exitCode, first.out).toBe(0);
    expect(readlinkSync(www(0, 'current'))).toBe('releases/1');
    expect(readFileSync(www(1, 'releases/1/beta/index.html'), 'utf8')).toContain('<h1>Beta & friends</h1>');
    const pages = first.report.results.filter((r) => r.host === 'host1' && r.step.startsWith('site pages'));
    expect(pages.map((r) => [r.step, r.status, r.item?.label])).toEqual([['site pages (alpha)', 'changed', 'alpha'], ['site pages (beta)', 'changed', 'beta']]);
    expect(first.out).toContain('+<h1>Alpha</h1>');
    const second = await run(CONTENT);
    expect(totals(second.s)).toEqual({ changed: 0, failed: 0, rescued: 0 });
    expect(second.report.results.every((r) => r.status === 'ok'), second.out).toBe(true);
  });

  it('a release whose smoke test fails is rolled back (rescue) and the host goes on, counted rescued', async () => {
    const { s, out } = await run(CONTENT, { extraVars: { release: '2', port: '9090' } });
    expect(s.exitCode, out).toBe(0);
    expect(totals(s)).toMatchObject({ failed: 0, rescued: 2 });
    expect(out).toContain('release 2 failed its smoke test: current is releases/1 again');
    expect(readlinkSync(www(0, 'current'))).toBe('releases/1');
    expect(existsSync(www(0, 'releases/2/alpha/index.html'))).toBe(true);
  });

  it('-e port=abc is refused by the schema before any host is touched', async () => {
    const before = readFileSync(www(0, 'web.conf'), 'utf8');
    const err = await run(WEB, { extraVars: { port: 'abc' } }).catch((e: unknown) => e);
    expect(isUsageError(err)).toBe(true);
    expect((err as Error).message).toMatch(/host1.*port/s);
    expect(readFileSync(www(0, 'web.conf'), 'utf8')).toBe(before);
  });
});
