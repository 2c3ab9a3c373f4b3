/** The bench's report: targets judged from the medians, tables, the limits section and the chart. */
import { describe, expect, it } from 'vitest';
import { renderMarkdown, targets, type Results, type Sample, type Series } from '../../bench/report';
import { renderChart } from '../../bench/chart';

const sample = (wallMs: number, peakRss = 80e6, failures = 0): Sample => ({ wallMs, peakRss, failures, exitCode: failures ? 2 : 0, load: 1, busy: 0.02 });

function series(label: string, n: number, s: number, walls: number[], peakRss = 80e6, failures = 0): Series {
  const sorted = [...walls].sort((a, b) => a - b);
  return { label, n, s, samples: walls.map((w) => sample(w, peakRss, failures)), median: { wallMs: sorted[Math.floor(sorted.length / 2)]!, peakRss, failures, runs: walls.length } };
}

/** The figures of the full bench quoted in docs/benchmarks.md (2026-11-26). */
function results(over: { marshal?: number[]; ansible?: number; bigRss?: number; bigFailures?: number } = {}): Results {
  return {
    machine: { date: '2026-11-26T04:51:16Z', cpu: 'AMD EPYC', cores: 2, memGiB: 24, kernel: '6.18', os: 'Debian 12', node: 'v20.20.2', marshal: '0.1.0', ssh2: '1.17.0', ansible: '[core 2.14.18]', openssh: 'OpenSSH_9.2p1' },
    notes: [],
    quick: false,
    runs: 3,
    contenders: [
      series('floor', 50, 10, [2660, 3240, 3280, 2680, 3040], 67e6),
      series('marshal', 50, 10, over.marshal ?? [2840, 3520, 3240, 3370, 3080], 78e6),
      series('ansible', 50, 10, [over.ansible ?? 98210, 101810, 87130], 1571e6),
    ],
    nSeries: [
      series('marshal', 10, 10, [940]), series('floor', 10, 10, [800]),
      series('marshal', 50, 10, [3570]), series('floor', 50, 10, [3210]),
      series('marshal', 200, 10, [12350]), series('floor', 200, 10, [10670]),
      series('marshal', 500, 10, [25130], over.bigRss ?? 132e6, over.bigFailures ?? 0), series('floor', 500, 10, [22960]),
    ],
    sSeries: [
      series('marshal', 50, 1, [1740]), series('floor', 50, 1, [1540]),
      series('marshal', 50, 10, [3110]), series('floor', 50, 10, [2930]),
      series('marshal', 50, 100, [18420]), series('floor', 50, 100, [17540]),
    ],
    listTasks: [series('marshal --list-tasks playbooks/prepare-cx7.ts', 0, 0, [450, 440, 360])],
    cold: [],
  };
}

const verdicts = (r: Results) => Object.fromEntries(targets(r).map((t) => [t.what, t.met]));

describe('bench report', () => {
  it('judges every target of issue 5 from the medians', () => {
    expect(verdicts(results())).toEqual({
      'W(50,10) Marshal vs floor': true,
      'W(50,10) Ansible vs Marshal': true,
      'W(500,10) failures': true,
      'W(500,10) peak RSS': true,
      'wall time vs N': true,
      'marshal --list-tasks prepare-cx7.ts': true,
    });
    // 1.21x the floor's median (3.04 s), Ansible under 25x, RSS at the bound, one failure: each missed
    const missed = verdicts(results({ marshal: [3680, 3680, 3680], ansible: 80000, bigRss: 250e6, bigFailures: 1 }));
    expect(missed).toMatchObject({ 'W(50,10) Marshal vs floor': false, 'W(50,10) Ansible vs Marshal': false, 'W(500,10) peak RSS': false, 'W(500,10) failures': false });
  });

  it('writes the target table, the run counts and the constant-vs-per-step limits from the figures', () => {
    const md = renderMarkdown(results());
    expect(md).toContain('| W(50,10) Marshal vs floor | within 1.2x | 3.24 s vs 3.04 s = 1.07x | met |');
    expect(md).toContain('Median of 5 or 3 runs');
    expect(md).toContain('| `marshal run` (TypeScript playbook) | 3.24 s | 2.84, 3.52, 3.24, 3.37, 3.08 |');
    // S=1: 1.74 - 1.54 s; per host-step from S=1 to S=100 over N=50
    expect(md).toContain('At S=1 (N=50) Marshal takes 0.20 s more than the floor; each further host-step costs 3.37 ms for Marshal and 3.23 ms for the floor');
    expect(md).toContain('closing 50 connections');
  });

  it('draws the bars and the four series panels', () => {
    const svg = renderChart(results());
    expect(svg.startsWith('<svg')).toBe(true);
    for (const title of ['Wall time as N grows (S=10)', 'Peak RSS as N grows (S=10)', 'Wall time as S grows (N=50)', 'Peak RSS as S grows (N=50)']) expect(svg).toContain(title);
  });
});
