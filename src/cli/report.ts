/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal report <run.json> --html <out.html>`: the run report page from a `--report` file. */
import type { CommandModule } from 'yargs';

type Args = { report: string; html: string };

export const reportCommand: CommandModule<object, Args> = {
  command: 'report <report>',
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
