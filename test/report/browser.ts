/** Debian's chromium driven by playwright-core (no browser download), and made-up run summaries. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { RunSummary, StepResult } from '../../src/results/results';
import { countResult, emptyStats, exitCodeFor, type HostStats } from '../../src/results/results';

export const CHROMIUM = process.env.MARSHAL_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/bootstrap.sh (it installs Debian's chromium)`);
  // --no-sandbox: the tests run as root, where chromium refuses its sandbox
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Which status host h gets at step s: a fixed pattern with every status, failures at the end. */
function statusFor(h: number, s: number, steps: number): StepResult['status'] {
  if (h % 97 === 5 && s === steps - 1) return 'unreachable';
  if (h % 10 === 3 && s === steps - 1) return 'failed';
  if ((h + s) % 7 === 0) return 'changed';
  if ((h + s) % 11 === 0) return 'skipped';
  return 'ok';
}

function result(host: string, step: number, steps: number, status: StepResult['status'], at: number): StepResult {
  const base = { host, step: `step ${step}`, stepIndex: step, startedAt: new Date(at).toISOString(), durationMs: 20 + ((step * 7 + host.length * 13) % 40), commands: [{ command: `test -e /etc/step${step}`, exitCode: 0, durationMs: 5, phase: 'check' as const }], notes: [], warnings: [] };
  if (status === 'failed' || status === 'unreachable')
    return { ...base, status, failure: { kind: status === 'failed' ? 'verify' : 'unreachable', message: `step ${step} did not hold`, command: `systemctl is-active svc${step}`, exitCode: 3, stderrTail: 'inactive', expected: 'active', seen: 'inactive' } } as StepResult;
  if (status === 'skipped') return { ...base, status, reason: 'when was false' };
  if (status === 'changed') return { ...base, status, ...(step % 5 === 0 ? { risk: 'firmware' as const } : {}) };
  return { ...base, status };
}

/** A run of `hosts` × `steps` results (a host stops at its failure), hosts in groups rack0..rack9 and odd/even. */
export function syntheticSummary(hosts: number, steps: number): RunSummary {
  const t0 = Date.parse('2025-01-01T10:00:00Z');
  const names = Array.from({ length: hosts }, (_, i) => `node${String(i).padStart(4, '0')}`);
  const stats: Record<string, HostStats> = Object.fromEntries(names.map((n) => [n, emptyStats()]));
  const results: StepResult[] = [];
  for (let s = 0; s < steps; s++) {
    names.forEach((n, h) => {
      const st = statusFor(h, s, steps);
      const r = result(n, s, steps, st, t0 + s * 100 + (h % 13) * 3);
      results.push(r);
      countResult(stats[n]!, r);
    });
  }
  const groups = Object.fromEntries(names.map((n, h) => [n, ['all', `rack${h % 10}`, h % 2 ? 'odd' : 'even']]));
  const end = t0 + steps * 100 + 100;
  return { playbook: 'synthetic', checkMode: false, startedAt: new Date(t0).toISOString(), finishedAt: new Date(end).toISOString(), durationMs: end - t0, hosts: names, groups, stats, results, interrupted: false, exitCode: exitCodeFor(stats, false) };
}

/** docs/report.png: `node -r ts-node/register/transpile-only test/report/browser.ts page.html docs/report.png` */
export async function screenshotPage(html: string, png: string): Promise<void> {
  const b = await launchChromium();
  try {
    const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
    await p.goto(`file://${html}`);
    await p.waitForSelector('body[data-rendered-ms]');
    await p.screenshot({ path: png, fullPage: true });
  } finally {
    await b.close();
  }
}

if (require.main === module) void screenshotPage(process.argv[2]!, process.argv[3]!);
