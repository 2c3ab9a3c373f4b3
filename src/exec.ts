/**
 * `marshal exec`: one shell command on many hosts (Ansible's ad-hoc `-m shell -a`). A generated
 * one-step playbook goes through the same plan, scheduler and connection pool as `run`, so the
 * recap and the exit codes are the same; the output is printed per host, in inventory order.
 */
import { resolve } from 'node:path';
import { loadInventory } from './inventory/index';
import { runPlaybook } from './scheduler/run';
import { planRun } from './plan/plan';
import { playbook } from './dsl/playbook';
import { step } from './dsl/step';
import { raw } from './dsl/command';
import type { ExecResult, HostKeyPolicy } from './connection/types';
import { hostConnections } from './runner';
import type { Vault } from './inventory/vault';
import type { Vars } from './dsl/types';
import type { RunSummary, StepResult } from './results/results';
import type { PlayStartEvent, Reporter } from './report/types';
import { banner, recapLines } from './report/recap';
import { Masker } from './util/mask';
import { checkOutputPath, JsonReportReporter } from './report/files';
import { HtmlReportReporter } from './report/html';
import { escapeControls } from './util/terminal-text';
import { StepFailure, UsageError } from './errors';

export interface ExecCommandOptions {
  /** Host pattern (Ansible syntax): 'all', 'web*', 'a:b:!c'. */
  pattern: string;
  /** The shell command line, sent as typed (the user's own, like Ansible's shell module). */
  command: string;
  inventory: string[];
  /** Vault passwords for encrypted inventory files, `!vault` values and `-e @file`. */
  vault?: Vault;
  limit?: string;
  forks?: number;
  /** Run through sudo: true for root, or a user name. */
  become?: boolean | string;
  becomePassword?: string;
  extraVars?: Vars;
  hostKeyChecking?: HostKeyPolicy;
  connectTimeout?: number;
  privateKey?: string;
  maxOutput?: string;
  user?: string;
  /** As `run -v`: 1 adds each host's duration, 2 the command as sent (with sudo), 3 connection details. */
  verbose?: number;
  /** Write the run as JSON (`run --report`'s format) to this file. */
  report?: string;
  /** Write the run as one HTML page (`run --report-html`) to this file. */
  reportHtml?: string;
  out?: NodeJS.WritableStream;
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
  masker?: Masker;
}

/** Every exit status a shell reports: the step decides itself, after keeping the output. */
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/**
 * Prints each host's output once it and every host before it in inventory order are done, so
 * the output is grouped and ordered, yet the first hosts show while later ones still run.
 */
export class ExecReporter implements Reporter {
  private order: string[] = [];
  private next = 0;
  private readonly done = new Map<string, StepResult>();

  constructor(
    private readonly outputs: ReadonlyMap<string, ExecResult>,
    private readonly mask: (t: string) => string,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly verbose = 0,
  ) {}

  playStart(e: PlayStartEvent): void {
    this.order = e.hosts;
  }

  result(r: StepResult): void {
    this.done.set(r.host, r);
    while (this.next < this.order.length && this.done.has(this.order[this.next]!)) {
      this.print(this.done.get(this.order[this.next]!)!);
      this.next += 1;
    }
  }

  message(level: 'debug' | 'info' | 'warn' | 'error', text: string): void {
    // run-level diagnostics (retries, settling) are for -vv, as in run
    if (level !== 'debug' || this.verbose >= 2) this.write(`[${level.toUpperCase()}]: ${text}\n`);
  }

  playEnd(s: RunSummary): void {
    // hosts never reached (an interrupt, a failure policy) still get their line
    for (const host of this.order.slice(this.next)) if (!this.done.has(host)) this.write(`${host} | NOT RUN${s.aborted ? ` (${s.aborted})` : ''}\n`);
    this.write(`\n${banner('PLAY RECAP')}\n${recapLines(s.stats).join('\n')}\n`);
  }

  private write(text: string): void {
    this.out.write(escapeControls(this.mask(text)));
  }

  /** -vv: each command as sent, before the host's block: `<host> $ cmd  → exit (ms)` (run's wording, Ansible's <host> prefix). */
  private printCommands(r: StepResult): void {
    if (this.verbose >= 2) this.write(r.commands.map((c) => `<${r.host}> $ ${c.command}  → ${c.exitCode ?? 'killed'} (${c.durationMs} ms)\n`).join(''));
  }

  private print(r: StepResult): void {
    const res = this.outputs.get(r.host);
    this.printCommands(r);
    const more = this.verbose >= 1 ? ` (${(r.durationMs / 1000).toFixed(2)}s)` : '';
    if (r.status === 'unreachable') return this.write(`${r.host} | UNREACHABLE!${more} => ${r.failure.message}\n`);
    if (r.status === 'skipped') return this.write(`${r.host} | SKIPPED${more} => ${r.reason}\n`);
    if (!res) {
      // no exit status: killed, timed out, sudo refused, the connection lost
      const f = r.status === 'failed' ? r.failure : undefined;
      return this.write(`${r.host} | FAILED!${more} => ${f?.message ?? r.status}\n${f?.stderrTail ? `${withNewline(f.stderrTail)}` : ''}`);
    }
    const label = r.status === 'failed' ? 'FAILED' : 'CHANGED';
    this.write(`${r.host} | ${label} | rc=${res.exitCode}${more} >>\n${withNewline(res.stdout)}${withNewline(res.stderr)}`);
  }
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function commandStep(command: string, become: boolean | string | undefined, outputs: Map<string, ExecResult>) {
  return step({
    name: 'exec',
    ...(become !== undefined && become !== false ? { become } : {}),
    run: async (h) => {
      const res = await h.run(raw(command), { okExitCodes: ANY_EXIT });
      outputs.set(h.name, res);
      if (res.exitCode !== 0) {
        throw new StepFailure('command', `command exited ${res.exitCode}`, { command, exitCode: res.exitCode, stderr: res.stderr || res.stdout, stdout: res.stdout });
      }
      return res.stdout;
    },
  });
}

/** Runs `command` on the hosts `pattern` (and --limit) selects; the summary's exitCode is `run`'s. */
export async function execCommand(o: ExecCommandOptions): Promise<RunSummary> {
  if (o.inventory.length === 0) throw new UsageError('no inventory given: pass -i <file or directory>');
  if (!o.pattern.trim()) throw new UsageError('marshal exec: give a host pattern, e.g. `marshal exec all -i inv -- uptime`');
  if (!o.command.trim()) throw new UsageError('marshal exec: give the command after `--`, e.g. `marshal exec all -i inv -- uptime`');
  if (o.report) checkOutputPath(o.report, '--report');
  if (o.reportHtml) checkOutputPath(o.reportHtml, '--report-html');
  const outputs = new Map<string, ExecResult>();
  const masker = o.masker ?? new Masker();
  // the name reaches the reports unmasked (a playbook's name is its author's): the command may hold a secret
  const pb = playbook({ name: `exec: ${masker.mask(o.command)}`, hosts: o.pattern, steps: [commandStep(o.command, o.become, outputs)] });
  const inventory = await loadInventory(o.inventory, o.vault ? { vault: o.vault } : {});
  const plan = planRun({ playbook: pb, inventory, ...(o.limit ? { limit: o.limit } : {}), ...(o.extraVars ? { extraVars: o.extraVars } : {}) });
  if (plan.hosts.length === 0) throw new UsageError(`marshal exec: no hosts match "${o.pattern}"${o.limit ? ` with --limit ${o.limit}` : ''}`);
  const out = o.out ?? process.stdout;
  const reporters: Reporter[] = [new ExecReporter(outputs, (t) => masker.mask(t), out, o.verbose ?? 0)];
  if (o.report) reporters.push(new JsonReportReporter(resolve(o.report)));
  if (o.reportHtml) reporters.push(new HtmlReportReporter(resolve(o.reportHtml)));
  // -vvv: the connection's own trace (ssh handshake, channels), masked, as run prints it
  const debug = (o.verbose ?? 0) >= 3 ? (host: string, text: string) => void out.write(escapeControls(`<${host}> ${masker.mask(text)}\n`)) : undefined;
  // loaded on use: ssh2 costs every command that imports the runner API ~70 ms (runner.ts, the same) (import(), not require: vitest runs src as TypeScript, which require cannot load)
  const { ConnectionPool } = await import('./connection/pool.js');
  const pool = new ConnectionPool({ connectConcurrency: 32, ...(debug ? { debug } : {}) });
  try {
    return await runPlaybook({
      plan,
      playbook: pb,
      inventory,
      forks: o.forks ?? 100,
      ...(o.becomePassword !== undefined ? { becomePassword: o.becomePassword } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.hardSignal ? { hardSignal: o.hardSignal } : {}),
      masker,
      reporters,
      ...hostConnections(o, pool),
    });
  } finally {
    await pool.closeAll();
  }
}
