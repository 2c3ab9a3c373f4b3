/**
 * The run report page (--report-html, `marshal report --html`): one self-contained HTML file,
 * the (already masked) run summary embedded as JSON, drawn by plain DOM and canvas code from
 * src/report/page/ (copied to dist/report/page/ by the build). No network: a CSP forbids it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ReporterFailure, type Reporter } from './types';
import type { RunSummary } from '../results/results';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { describeFsError } from './files';
import { fromDist, packageRoot } from '../paths';

const assets = new Map<string, string>();

function asset(name: string): string {
  let text = assets.get(name);
  if (text === undefined) {
    const file = join(packageRoot(), fromDist ? 'dist' : 'src', 'report', 'page', name);
    text = readFileSync(file, 'utf8');
    // our own file inlined in <script>/<style>: a closing tag inside would end it early
    if (/<\/(script|style)/i.test(text)) throw new Error(`${file} contains a closing </script> or </style> tag`);
    assets.set(name, text);
  }
  return text;
}

/**
 * JSON safe inside <script type="application/json">: `<`, `>` and `&` as \u escapes (so no
 * `</script>` or `<!--` can end or change the element), U+2028/2029 escaped for old parsers.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The whole page. Host text is only in the JSON block; the page script puts it in as text. */
export function renderHtmlReport(summary: RunSummary): string {
  const script = asset('report.js');
  const css = asset('report.css');
  // default-src 'none': the page loads nothing, even if some host text were taken for markup
  const csp = `default-src 'none'; script-src ${sha256(script)}; style-src 'unsafe-inline'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="marshal">
<title>Marshal run report</title>
<style>${css}</style>
</head>
<body>
<header><h1 id="title"></h1><div class="meta" id="meta"></div></header>
<main>
<section class="filters" aria-label="filters">
<input id="f-host" type="search" placeholder="host name contains…" aria-label="host">
<select id="f-group" aria-label="group"><option value="">every group</option></select>
<span id="f-status"></span>
<span id="shown"></span>
</section>
<section id="groupsum" hidden></section>
<section><h2>Timeline</h2><div class="gantt" id="gantt"><canvas id="gantt-canvas"></canvas><div id="gantt-spacer"></div></div></section>
<section id="detail" hidden></section>
<section id="failures"></section>
<div class="cols" style="margin-top:14px"><section id="risky"></section><section id="changes"></section></div>
<section id="slow"></section>
</main>
<div id="tip"></div>
<script type="application/json" id="marshal-data">${embedJson(summary)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Writes the page at the end of the run (atomically), like the JSON report. */
export class HtmlReportReporter implements Reporter {
  constructor(private readonly file: string) {}
  playEnd(s: RunSummary): void {
    try {
      writeFileAtomic(this.file, renderHtmlReport(s));
    } catch (err) {
      throw new ReporterFailure('error', `HTML report not written: ${this.file}: ${describeFsError(err)}`);
    }
  }
}

/** The first field of a JSON report that is not what the page needs, or undefined. */
function badField(v: Record<string, unknown>): string | undefined {
  if (v.marshal !== 1) return 'marshal: 1 is missing (not a report written by marshal run --report)';
  for (const k of ['playbook', 'startedAt'] as const) if (typeof v[k] !== 'string') return `${k} is not a string`;
  if (typeof v.durationMs !== 'number') return 'durationMs is not a number';
  if (!Array.isArray(v.hosts) || v.hosts.some((h) => typeof h !== 'string')) return 'hosts is not a list of host names';
  if (!Array.isArray(v.results)) return 'results is not a list';
  if (v.groups !== undefined && (typeof v.groups !== 'object' || v.groups === null || Array.isArray(v.groups))) return 'groups is not an object';
  if (typeof v.stats !== 'object' || v.stats === null) return 'stats is not an object';
  const i = v.results.findIndex((r: unknown) => {
    const x = r as Record<string, unknown> | null;
    return !x || typeof x.host !== 'string' || typeof x.step !== 'string' || typeof x.status !== 'string' || typeof x.startedAt !== 'string' || typeof x.durationMs !== 'number';
  });
  return i >= 0 ? `results[${i}] lacks host, step, status, startedAt or durationMs` : undefined;
}

/** Reads a `--report` JSON file; a bad one is a UsageError naming the file and the field. */
export function readRunReport(file: string): RunSummary {
  const abs = resolve(file);
  let text: string;
  try {
    text = statSync(abs).isFile() ? readFileSync(abs, 'utf8') : '';
  } catch (err) {
    throw new UsageError(`report ${abs}: ${describeFsError(err)}`);
  }
  if (!statSync(abs).isFile()) throw new UsageError(`report ${abs}: not a regular file`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`report ${abs}: not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`report ${abs}: not a JSON object`);
  const bad = badField(value as Record<string, unknown>);
  if (bad) throw new UsageError(`report ${abs}: ${bad}`);
  const { marshal: _version, ...summary } = value as Record<string, unknown>;
  return { groups: {}, ...summary } as unknown as RunSummary;
}
