/**
 * docs/benchmarks.svg, hand-written SVG (no charting dependency): the contenders on W(50,10)
 * and W(50,100) (a bar each, log scale; Marshal's persistent and exec modes both), then
 * Marshal's wall time and peak RSS as N grows and as S grows, with the floor alongside.
 */
import { shortName, type Results, type Series } from './report';

const W = 960;
/** The bars panel's height: 7 bars on W(50,10) and 3 on W(50,100) at ~24 px each. */
const BARS_H = 240;
const H = 550 + BARS_H;
const COLORS: Record<string, string> = { floor: '#6b7280', 'session-floor': '#9ca3af', marshal: '#2563eb', 'marshal-exec': '#7c3aed', mitogen: '#f59e0b', ansible: '#dc2626' };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string => (v === 0 ? '0' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1).replace(/\.0$/, '') : v >= 1 ? v.toFixed(2).replace(/\.?0+$/, '') : v.toPrecision(2));

function text(x: number, y: number, s: string, opts: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; fill?: string; rotate?: boolean } = {}): string {
  const rot = opts.rotate ? ` transform="rotate(-90 ${x} ${y})"` : '';
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${opts.anchor ?? 'start'}" font-size="${opts.size ?? 12}" fill="${opts.fill ?? '#111827'}"${opts.weight ? ` font-weight="${opts.weight}"` : ''}${rot}>${esc(s)}</text>`;
}

/** Round tick values from 0 to at least max. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

function frame(b: Box, title: string, xLabel: string, yLabel: string): string[] {
  return [
    text(b.x, b.y - 14, title, { size: 14, weight: '600' }),
    `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="none" stroke="#d1d5db"/>`,
    text(b.x + b.w / 2, b.y + b.h + 36, xLabel, { anchor: 'middle' }),
    text(b.x - 46, b.y + b.h / 2, yLabel, { anchor: 'middle', rotate: true }),
  ];
}

/** Horizontal bars on a log axis (the contenders differ by more than an order of magnitude), grouped by workload. */
function barsPanel(b: Box, r: Results): string[] {
  const series = r.contenders;
  const loads = [...new Set(series.map((e) => `W(${e.n},${e.s})`))];
  const out = frame(b, `${loads.join(' and ') || 'W(?,?)'}: whole-process wall time (median, log scale)`, 'seconds (log scale)', '');
  if (!series.length) return out;
  const vals = series.map((e) => e.median.wallMs / 1000);
  const ticks = logTicks(Math.min(...vals) * 0.8, Math.max(...vals) * 1.25);
  const lo = Math.log10(ticks[0]!);
  const hi = Math.log10(ticks[ticks.length - 1]!);
  const left = b.x + 230;
  const width = b.w - 240;
  const px = (v: number): number => left + ((Math.log10(v) - lo) / (hi - lo)) * width;
  for (const t of ticks) {
    out.push(`<line x1="${px(t)}" y1="${b.y}" x2="${px(t)}" y2="${b.y + b.h}" stroke="#e5e7eb"/>`);
    out.push(text(px(t), b.y + b.h + 16, fmt(t), { anchor: 'middle', size: 11 }));
  }
  const band = b.h / series.length;
  series.forEach((e, i) => {
    const v = vals[i]!;
    const y = b.y + i * band + band * 0.2;
    const h = band * 0.6;
    if (i > 0 && (series[i - 1]!.n !== e.n || series[i - 1]!.s !== e.s)) out.push(`<line x1="${b.x}" y1="${(b.y + i * band).toFixed(1)}" x2="${b.x + b.w}" y2="${(b.y + i * band).toFixed(1)}" stroke="#9ca3af"/>`);
    out.push(text(b.x + 8, y + h / 2 + 4, `W(${e.n},${e.s}) ${shortName(r, e.label)}`, { size: 12, weight: '600', fill: COLORS[e.label] ?? '#111827' }));
    out.push(`<rect x="${left}" y="${y.toFixed(1)}" width="${Math.max(1, px(v) - left).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[e.label] ?? '#9ca3af'}"/>`);
    const label = `${fmt(v)} s · ${(e.median.peakRss / 1e6).toFixed(0)} MB`;
    const inside = px(v) - left > 150;
    out.push(text(inside ? px(v) - 6 : px(v) + 6, y + h / 2 + 4, label, { anchor: inside ? 'end' : 'start', size: 12, fill: inside ? '#ffffff' : '#111827' }));
  });
  return out;
}

interface Line {
  label: string;
  /** The legend's text when it says more than the label (e.g. Marshal's session mode). */
  legend?: string;
  points: [number, number][];
  dashed?: boolean;
}

function linePanel(b: Box, title: string, xLabel: string, yLabel: string, lines: Line[], opts: { logX?: boolean; guide?: { y: number; label: string } } = {}): string[] {
  const out = frame(b, title, xLabel, yLabel);
  const xs = lines.flatMap((l) => l.points.map((p) => p[0]));
  const ys = lines.flatMap((l) => l.points.map((p) => p[1]));
  if (!xs.length) return out;
  const yTicks = linearTicks(Math.max(...ys, opts.guide?.y ?? 0) * 1.08);
  const yMax = yTicks[yTicks.length - 1]!;
  const xTicks = opts.logX ? logTicks(Math.min(...xs), Math.max(...xs)) : linearTicks(Math.max(...xs));
  const x0 = opts.logX ? Math.log10(xTicks[0]!) : 0;
  const x1 = opts.logX ? Math.log10(xTicks[xTicks.length - 1]!) : xTicks[xTicks.length - 1]!;
  const pad = 12;
  const px = (v: number): number => b.x + pad + (((opts.logX ? Math.log10(v) : v) - x0) / (x1 - x0)) * (b.w - 2 * pad);
  const py = (v: number): number => b.y + b.h - (v / yMax) * b.h;
  for (const t of yTicks) {
    out.push(`<line x1="${b.x}" y1="${py(t).toFixed(1)}" x2="${b.x + b.w}" y2="${py(t).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(text(b.x - 6, py(t) + 4, fmt(t), { anchor: 'end', size: 11 }));
  }
  for (const t of xTicks) out.push(text(px(t), b.y + b.h + 16, fmt(t), { anchor: 'middle', size: 11 }));
  if (opts.guide) {
    out.push(`<line x1="${b.x}" y1="${py(opts.guide.y)}" x2="${b.x + b.w}" y2="${py(opts.guide.y)}" stroke="#dc2626" stroke-dasharray="6 4"/>`);
    out.push(text(b.x + b.w - 6, py(opts.guide.y) - 5, opts.guide.label, { anchor: 'end', size: 11, fill: '#dc2626' }));
  }
  lines.forEach((l, i) => {
    const color = COLORS[l.label] ?? '#111827';
    const d = l.points.map((p, k) => `${k ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    for (const p of l.points) {
      out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3.5" fill="${color}"/>`);
      if (l.label === 'marshal') out.push(text(px(p[0]) + 5, py(p[1]) - 7, fmt(p[1]), { size: 10, fill: color }));
    }
    out.push(`<line x1="${b.x + 12}" y1="${b.y + 16 + i * 16}" x2="${b.x + 32}" y2="${b.y + 16 + i * 16}" stroke="${color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    out.push(text(b.x + 38, b.y + 20 + i * 16, l.legend ?? l.label, { size: 11 }));
  });
  return out;
}

function pts(list: Series[], label: string, key: 'n' | 's', value: (e: Series) => number): [number, number][] {
  return list
    .filter((e) => e.label === label)
    .sort((a, b) => a[key] - b[key])
    .map((e) => [e[key], value(e)]);
}

export function renderChart(r: Results): string {
  const wall = (e: Series): number => e.median.wallMs / 1000;
  const rss = (e: Series): number => e.median.peakRss / 1e6;
  // Every line panel compares the same two contenders: Marshal solid, the floor dashed.
  const vsFloor = (list: Series[], key: 'n' | 's', value: (e: Series) => number) => [
    { label: 'marshal', legend: `marshal (${r.sessions?.series ?? 'exec'} mode)`, points: pts(list, 'marshal', key, value) },
    { label: 'floor', points: pts(list, 'floor', key, value), dashed: true },
  ];
  const m = r.machine;
  const nS = r.nSeries[0]?.s ?? 10;
  const sN = r.sSeries[0]?.n ?? 50;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    text(20, 26, `Marshal benchmark — ${m.date.slice(0, 10)}, ${m.cores} cores, Node ${m.node}, ${m.ansible.split(' ')[0] ? 'ansible-core ' + m.ansible.replace(/^\[core\s*/, '').replace(/\].*$/, '') : ''}${r.quick ? ' (quick run)' : ''}`, { size: 15, weight: '700' }),
    ...barsPanel({ x: 70, y: 70, w: W - 110, h: BARS_H }, r),
    ...linePanel({ x: 70, y: 150 + BARS_H, w: 380, h: 140 }, `Wall time as N grows (S=${nS})`, 'hosts N', 'seconds', vsFloor(r.nSeries, 'n', wall)),
    ...linePanel({ x: 550, y: 150 + BARS_H, w: 380, h: 140 }, `Peak RSS as N grows (S=${nS})`, 'hosts N', 'MB', vsFloor(r.nSeries, 'n', rss), {
      guide: { y: 250, label: 'target: 250 MB' },
    }),
    ...linePanel({ x: 70, y: 360 + BARS_H, w: 380, h: 130 }, `Wall time as S grows (N=${sN})`, 'steps S (log scale)', 'seconds', vsFloor(r.sSeries, 's', wall), { logX: true }),
    ...linePanel({ x: 550, y: 360 + BARS_H, w: 380, h: 130 }, `Peak RSS as S grows (N=${sN})`, 'steps S (log scale)', 'MB', vsFloor(r.sSeries, 's', rss), { logX: true }),
    '</svg>',
    '',
  ];
  return parts.join('\n');
}
