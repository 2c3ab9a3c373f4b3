/**
 * The HTML run report's summary per group (summaryBy → groupSummary) and loop items, in Debian's
 * chromium: a real run through the engine, filtered by group status and host, secrets masked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HtmlReportReporter, renderHtmlReport } from '../../src/report/html';
import { runPlaybook } from '../../src/scheduler/run';
import { byVar, expectEqual, loop, playbook, step, sh } from '../../src/index';
import type { RunSummary } from '../../src/results/results';
import { fakeConnector, memoryInventory } from '../support/fake';
import { launchChromium, syntheticSummary } from './browser';

const SECRET = 'pair-secret-7qx';
const XSS = '<img src=x onerror="window.__pwned=1">';
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-html-groups-'));
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(html: string, name: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const file = join(dir, name);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (r.url() !== `file://${file}`) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-rendered-ms], body[data-error]', { timeout: 30_000 });
  return { page, errors, requests };
}

const groupRows = (page: Page) => page.locator('#groupsum tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => (td as { textContent: string | null }).textContent)));

/**
 * Three pairs: p1 prepared, p2 refused by a preflight on b1 (whose stderr looks like markup), p3
 * keyed by a secret var value; a loop step whose second item fails on a2 (the third still runs).
 */
async function pairRun(): Promise<RunSummary> {
  const inventory = memoryInventory({
    hosts: { a1: { pair: 'p1', token: SECRET }, a2: { pair: 'p1', token: SECRET }, b1: { pair: 'p2', token: SECRET }, b2: { pair: 'p2', token: SECRET }, c1: { pair: SECRET, token: SECRET } },
  });
  const pb = playbook<{ pair: string; token: string }>({
    name: 'pairs',
    hosts: 'all',
    secrets: ['token'],
    summaryBy: { by: byVar('pair'), describe: (o) => `${o.status} for ${o.key}` },
    steps: [
      step({ name: 'preflight', tags: ['preflight'], verify: async (h) => expectEqual((await h.run(sh`probe`)).stdout, 'fine', 'probe') }),
      loop<{ pair: string; token: string }, string>({
        name: 'sites',
        items: ['alpha', 'beta', 'gamma'],
        label: (s) => `site ${s}`,
        run: async (h, s) => void (await h.run(sh`make ${s} ${h.vars.token}`)),
      }),
    ],
  });
  const { connect } = fakeConnector((host, command) => {
    if (command.includes('probe')) return host === 'b1' ? { stdout: 'broken', stderr: XSS, exitCode: 2 } : { stdout: 'fine' };
    if (host === 'a2' && command.includes('beta')) return { stdout: '', stderr: 'disk full', exitCode: 1 };
    return { stdout: '' };
  });
  return runPlaybook({ playbook: pb, inventory, connect, reporters: [new HtmlReportReporter(join(dir, 'pairs.html'))] });
}

describe('the HTML report: summary per group and loop items', () => {
  it('shows groupSummary as a table, filtered by group status and host, with secrets masked', async () => {
    const summary = await pairRun();
    expect(summary.groupSummary?.groups.map((g) => g.status)).toEqual(['failed', 'failed', 'ok']);
    const html = readFileSync(join(dir, 'pairs.html'), 'utf8');
    expect(html).not.toContain(SECRET);
    const { page, errors, requests } = await open(html, 'pairs-open.html');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.textContent('body')).not.toContain(SECRET);
    expect(await page.textContent('#groupsum h2')).toBe('Summary by pair (3 of 3)');
    const rows = await groupRows(page);
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['p1', 'failed', 'a1, a2', '5', 'step 2: sites (site beta)'],
      ['p2', 'failed', 'b1, b2', '3', 'step 1: preflight'],
      ['********', 'ok', 'c1', '3', ''],
    ]);
    expect(rows[0]![5]).toBe('failed for p1');
    expect(rows[2]![5]).toBe('ok for ********');
    // only failed groups
    await page.uncheck('input[data-group-status="ok"]');
    await expect.poll(async () => (await groupRows(page)).map((r) => r[0])).toEqual(['p1', 'p2']);
    expect(await page.textContent('#groupsum h2')).toBe('Summary by pair (2 of 3)');
    // the host filter keeps the groups that hold a matching host
    await page.fill('#f-host', 'b');
    await expect.poll(async () => (await groupRows(page)).map((r) => r[0])).toEqual(['p2']);
    await page.uncheck('input[data-group-status="failed"]');
    await expect.poll(() => page.textContent('#groupsum')).toContain('no group matches the filters');
    await page.close();
  }, 60_000);

  it('labels loop items in the failure list, the result detail and the timeline tooltip', async () => {
    const summary = await pairRun();
    const beta = summary.results.find((r) => r.host === 'a2' && r.item?.index === 1)!;
    expect(beta.item).toEqual({ loop: 'sites', index: 1, label: 'site beta' });
    const { page, errors } = await open(renderHtmlReport(summary), 'items.html');
    expect(errors).toEqual([]);
    const failed = page.locator('#failures tbody tr', { hasText: 'a2' });
    expect(await failed.count()).toBe(1);
    expect(await failed.locator('.item').textContent()).toBe('item 2 of sites: site beta');
    // the preflight failure is no loop item: no label, and b1's stderr stays text
    const b1 = page.locator('#failures tbody tr', { hasText: 'b1' });
    expect(await b1.locator('.item').count()).toBe(0);
    expect(await b1.textContent()).toContain(XSS);
    expect(await page.locator('img').count()).toBe(0);
    await failed.locator('button.hostlink').click();
    await expect.poll(() => page.textContent('#detail')).toContain('loop itemitem 2 of sites: site beta');
    // hover a2's bar of that item in the timeline
    const pos = await page.evaluate(`(() => {
      const P = window.MarshalReportPage, b = P.view.rows.get('a2').find((x) => x.r.item && x.r.item.index === 1);
      const c = document.getElementById('gantt-canvas').getBoundingClientRect(), row = P.view.hosts.indexOf('a2');
      const scale = (document.getElementById('gantt').clientWidth - P.LABEL - 12) / P.run.span;
      return { x: c.left + P.LABEL + ((b.start + b.end) / 2) * scale + 1, y: c.top + P.AXIS + row * P.ROW + P.ROW / 2 };
    })()`) as { x: number; y: number };
    await page.mouse.move(pos.x, pos.y);
    await expect.poll(() => page.textContent('#tip')).toContain('item 2 of sites: site beta');
    await page.close();
  }, 60_000);

  it('a report without groupSummary shows no group table', async () => {
    const { page, errors } = await open(renderHtmlReport(syntheticSummary(5, 2)), 'nogroups.html');
    expect(errors).toEqual([]);
    expect(await page.isHidden('#groupsum')).toBe(true);
    await page.close();
  }, 60_000);
});
