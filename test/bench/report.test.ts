/** The bench's report: targets judged from the medians, tables, the limits section and the chart. */
import { describe, expect, it } from 'vitest';
import { renderMarkdown, targets, LIST_EDITED, LIST_LIB_EDITED, LIST_WARM, type Results, type Sample, type Series } from '../../bench/report';
import { renderChart } from '../../bench/chart';

const sample = (wallMs: number, peakRss = 80e6, failures = 0): Sample => ({ wallMs, peakRss, failures, exitCode: failures ? 2 : 0, load: 1, busy: 0.02 });

function series(label: string, n: number, s: number, walls: number[], peakRss = 80e6, failures = 0): Series {
  const sorted = [...walls].sort((a, b) => a - b);
  return { label, n, s, samples: walls.map((w) => sample(w, peakRss, failures)), median: { wallMs: sorted[Math.floor(sorted.length / 2)]!, peakRss, failures, runs: walls.length } };
}

/** The figures of the full bench quoted in docs/benchmarks.md (2026-11-26). */
function results(over: { marshal?: number[]; ansible?: number; mitogen?: number; bigRss?: number; bigFailures?: number; edited?: number[]; scale?: Series[] } = {}): Results {
  return {
    machine: { date: '2026-11-26T04:51:16Z', cpu: 'AMD EPYC', cores: 2, memGiB: 24, kernel: '6.18', os: 'Debian 12', node: 'v20.20.2', marshal: '0.1.0', ssh2: '1.17.0', ansible: '[core 2.14.18]', openssh: 'OpenSSH_9.2p1' },
    notes: [],
    quick: false,
    runs: 3,
    contenders: [
      series('floor', 50, 10, [2660, 3240, 3280, 2680, 3040], 67e6),
      series('marshal', 50, 10, over.marshal ?? [2840, 3520, 3240, 3370, 3080], 78e6),
      series('mitogen', 50, 10, [over.mitogen ?? 52000, 55000, 50000], 900e6),
      series('ansible', 50, 10, [over.ansible ?? 98210, 101810, 87130], 1571e6),
      series('floor', 50, 100, [17540], 67e6),
      series('marshal', 50, 100, [18420], 78e6),
      series('ansible', 50, 100, [950000], 1571e6),
    ],
    nSeries: [
      series('marshal', 10, 10, [940]), series('floor', 10, 10, [800]),
      series('marshal', 50, 10, [3570]), series('floor', 50, 10, [3210]),
      series('marshal', 200, 10, [12350]), series('floor', 200, 10, [10670]),
      series('marshal', 500, 10, [25130], over.bigRss ?? 132e6, over.bigFailures ?? 0), series('floor', 500, 10, [22960]),
      ...(over.scale ?? []),
    ],
    sSeries: [
      series('marshal', 50, 1, [1740]), series('floor', 50, 1, [1540]),
      series('marshal', 50, 10, [3110]), series('floor', 50, 10, [2930]),
      series('marshal', 50, 100, [18420]), series('floor', 50, 100, [17540]),
    ],
    listTasks: [series(LIST_WARM, 0, 0, [380, 370, 360]), series(LIST_EDITED, 0, 0, over.edited ?? [450, 440, 430]), series(LIST_LIB_EDITED, 0, 0, [460, 450, 440])],
    cold: [],
  };
}

const verdicts = (r: Results) => Object.fromEntries(targets(r).map((t) => [t.what, t.met]));

describe('bench report', () => {
  it('judges every target of issue 5 from the medians', () => {
    expect(verdicts(results())).toEqual({
      'W(50,10) Marshal vs floor': true,
      'W(50,10) Ansible+Mitogen vs Marshal': true,
      'W(50,10) Ansible vs Marshal': true,
      'W(500,10) failures': true,
      'W(500,10) peak RSS': true,
      'wall time vs N': true,
      'marshal --list-tasks prepare-cx7.ts (warm)': true,
      '--list-tasks after an edit of the playbook': true,
      '--list-tasks after an edit of a library it imports': true,
    });
    // 1.21x the floor's median (3.04 s), Mitogen under 15x, Ansible under 30x, RSS at the bound, one failure, an edit +0.11 s: each missed
    const missed = verdicts(results({ marshal: [3680, 3680, 3680], mitogen: 40000, ansible: 95000, bigRss: 250e6, bigFailures: 1, edited: [490, 480, 470] }));
    expect(missed).toMatchObject({
      'W(50,10) Marshal vs floor': false,
      'W(50,10) Ansible+Mitogen vs Marshal': false,
      'W(50,10) Ansible vs Marshal': false,
      'W(500,10) peak RSS': false,
      'W(500,10) failures': false,
      '--list-tasks after an edit of the playbook': false,
    });
  });

  it('judges W(1000,10) under --scale: failures, 300 MB, time per added host against the one up to 500', () => {
    // 500 -> 1000: 50 ms per host vs 200 -> 500: 42.6 ms per host: worse than 1.1x, missed
    const slow = verdicts(results({ scale: [series('marshal', 1000, 10, [50130], 290e6)] }));
    expect(slow).toMatchObject({ 'W(1000,10) failures': true, 'W(1000,10) peak RSS': true, 'wall time per added host up to 1000': false, 'W(500,10) peak RSS': true });
    const ok = verdicts(results({ scale: [series('marshal', 1000, 10, [45000], 310e6, 2)] }));
    expect(ok).toMatchObject({ 'W(1000,10) failures': false, 'W(1000,10) peak RSS': false, 'wall time per added host up to 1000': true });
  });

  it('writes the target table, the run counts and the constant-vs-per-step limits from the figures', () => {
    const md = renderMarkdown(results());
    expect(md).toContain('| W(50,10) Marshal vs floor | within 1.2x | 3.24 s vs 3.04 s = 1.07x | met |');
    expect(md).toContain('Median of 5 or 3 runs');
    expect(md).toContain('| `marshal run` (TypeScript playbook) | 3.24 s | 2.84, 3.52, 3.24, 3.37, 3.08 |');
    expect(md).toContain('| `ansible-playbook` with Mitogen (`strategy = mitogen_linear`) | 52.00 s | 52.00, 55.00, 50.00 |');
    expect(md).toContain('## W(50,100): 100 shell steps on 50 hosts');
    expect(md).toContain('| --list-tasks after an edit of a library it imports | within 0.1 s of warm | 0.45 s (+0.08 s) | met |');
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

describe('bench report: the HTML report page', () => {
  it('judges the 1,000 × 50 page against 2 s from the median of its loads and writes its section', () => {
    const html = { hosts: 1000, steps: 50, bytes: 12.2e6, generateMs: 2600, renderedMs: [1520, 910, 1390], filterMs: [62, 114, 214] };
    const md = renderMarkdown({ ...results(), html });
    expect(md).toContain('| HTML report 1000 hosts × 50 steps, load to rendered in chromium | under 2 s | 1.39 s | met |');
    expect(md).toContain('## HTML run report: 1,000 hosts × 50 steps');
    expect(md).toContain('| load to rendered | 1.39 s | 1.52, 0.91, 1.39 |');
    expect(md).toContain('| group filter (half the hosts) re-rendered | 114 ms | 62, 114, 214 |');
    const slow = verdicts({ ...results(), html: { ...html, renderedMs: [2100, 2500, 1900] } });
    expect(slow['HTML report 1000 hosts × 50 steps, load to rendered in chromium']).toBe(false);
    expect(renderMarkdown(results())).not.toContain('HTML run report');
  });
});
