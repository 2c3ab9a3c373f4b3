/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/**
 * `marshal report <run.json> --html <out.html>`: the run report page from a `--report` file.
 * `marshal report merge a.json b.json ... [--out all.json] [--html all.html]`: the reports of
 * the shards of one run (--shard K/N) as one report and recap; exits with the merged run's code.
 */
import type { CommandModule } from 'yargs';

type HtmlArgs = { report: string; html: string };
type MergeArgs = { reports: string[]; out?: string; html?: string };

const htmlCommand: CommandModule<object, HtmlArgs> = {
  command: '$0 <report>',
  describe: 'Turn a JSON run report (marshal run --report) into a self-contained HTML page',
  builder: (y) =>
    y
      .positional('report', { type: 'string', describe: 'JSON report written by marshal run --report', demandOption: true })
      .option('html', { type: 'string', describe: 'write the HTML page (timeline, failures, changes, filters) to this file', demandOption: true }) as never,
  handler: (a) => {
    const { checkOutputPath } = require('../report/files') as typeof import('../report/files');
    const { readRunReport, renderHtmlReport } = require('../report/html') as typeof import('../report/html');
    const { writeFileAtomic } = require('../util/atomic-write') as typeof import('../util/atomic-write');
    const { resolve } = require('node:path') as typeof import('node:path');
    checkOutputPath(a.html, '--html');
    const summary = readRunReport(a.report);
    writeFileAtomic(resolve(a.html), renderHtmlReport(summary));
    process.stdout.write(`wrote ${resolve(a.html)}: ${summary.hosts.length} hosts, ${summary.results.length} results\n`);
  },
};

const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <reports..>',
  describe: 'Merge the JSON reports of the shards of one run (marshal run --shard K/N --report) into one report and recap',
  builder: (y) =>
    y
      .positional('reports', { type: 'string', array: true, describe: 'JSON reports, one per shard', demandOption: true })
      .option('out', { alias: 'o', type: 'string', describe: 'write the merged JSON report to this file (atomically)' })
      .option('html', { type: 'string', describe: 'write the merged run as an HTML page to this file' }) as never,
  handler: (a) => {
    const { checkOutputPath, reportJson } = require('../report/files') as typeof import('../report/files');
    const { renderHtmlReport } = require('../report/html') as typeof import('../report/html');
    const { mergeReports, missingShards, readShardReport } = require('../report/merge') as typeof import('../report/merge');
    const { banner, recapLines } = require('../report/recap') as typeof import('../report/recap');
    const { writeFileAtomic } = require('../util/atomic-write') as typeof import('../util/atomic-write');
    const { resolve } = require('node:path') as typeof import('node:path');
    if (a.out) checkOutputPath(a.out, '--out');
    if (a.html) checkOutputPath(a.html, '--html');
    const reports = a.reports.map((f) => readShardReport(String(f)));
    const merged = mergeReports(reports);
    const missing = missingShards(reports);
    if (missing.length) process.stderr.write(`[WARNING]: shards ${missing.join(', ')} of ${reports.find((r) => r.shard)!.shard!.count} are not among the reports: their hosts are not in the merged run\n`);
    if (a.out) writeFileAtomic(resolve(a.out), reportJson(merged));
    if (a.html) writeFileAtomic(resolve(a.html), renderHtmlReport(merged));
    const out = [banner('PLAY RECAP'), ...recapLines(merged.stats), '', `merged ${reports.length} reports: ${merged.hosts.length} hosts, ${merged.results.length} results, exit code ${merged.exitCode}`];
    process.stdout.write(`${out.join('\n')}\n`);
    process.exitCode = merged.exitCode;
  },
};

export const reportCommand: CommandModule = {
  command: 'report',
  describe: 'Turn a JSON run report into an HTML page (report <run.json> --html), or merge the reports of shards (report merge)',
  builder: (y) => y.command(mergeCommand).command(htmlCommand) as never,
  handler: () => undefined,
};
