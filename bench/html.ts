/**
 * The run report page at 1,000 hosts × 50 steps, opened in Debian's chromium: load to rendered
 * (measured in the page, from navigation start) and one group filter re-render, `runs` times.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtmlReport } from '../src/report/html';
import { launchChromium, syntheticSummary } from '../test/report/browser';

export interface HtmlBench {
  hosts: number;
  steps: number;
  bytes: number;
  /** Node's time to generate the page. */
  generateMs: number;
  renderedMs: number[];
  filterMs: number[];
}

const FILTER = `(() => {
  const t0 = performance.now();
  const sel = document.querySelector('#f-group');
  sel.value = 'odd';
  sel.dispatchEvent(new Event('change'));
  return performance.now() - t0;
})()`;

export async function htmlReportBench(runs: number, hosts = 1000, steps = 50): Promise<HtmlBench> {
  const t0 = performance.now();
  const html = renderHtmlReport(syntheticSummary(hosts, steps));
  const generateMs = performance.now() - t0;
  const dir = mkdtempSync(join(tmpdir(), 'marshal-bench-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const browser = await launchChromium();
  const out: HtmlBench = { hosts, steps, bytes: html.length, generateMs, renderedMs: [], filterMs: [] };
  try {
    for (let r = 0; r < runs; r++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-rendered-ms], body[data-error]', { timeout: 60_000 });
      const err = await page.getAttribute('body', 'data-error');
      if (err) throw new Error(`the report page failed to render: ${err}`);
      out.renderedMs.push(Number(await page.getAttribute('body', 'data-rendered-ms')));
      out.filterMs.push((await page.evaluate(FILTER)) as number);
      await page.close();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
