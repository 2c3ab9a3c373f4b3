/**
 * Console output. Plain lines (Ansible-like) when not a TTY; on a TTY a live line says which
 * step is running and how many hosts are running, done and failed.
 */
import type { Reporter, StepStartEvent } from './types';
import { describeDefinition } from '../util/stack';
import type { RunSummary, StepResult } from '../results/results';
import type { GroupSummary } from '../results/group-summary';
import { banner, recapLines, riskyChanges } from './recap';
import { escapeControls } from '../util/terminal-text';

export interface ConsoleOptions {
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  verbosity?: number;
  color?: boolean;
  /** Force live progress on or off (default: when `out` is a TTY). */
  live?: boolean;
}

const C = { red: 31, green: 32, yellow: 33, cyan: 36, magenta: 35, gray: 90 } as const;

/** Text, optionally with a colour: colours are added after the text is made terminal-safe. */
type Part = string | { code: number; text: string };

export class ConsoleReporter implements Reporter {
  private readonly out: NonNullable<ConsoleOptions['out']>;
  private readonly live: boolean;
  private readonly color: boolean;
  private readonly v: number;
  private step?: StepStartEvent;
  private running = new Set<string>();
  /** Hosts done and failed at this step: sets, because a loop gives a host one result per item. */
  private readonly done = new Set<string>();
  private readonly failed = new Set<string>();
  private liveShown = false;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  constructor(opts: ConsoleOptions = {}) {
    this.out = opts.out ?? process.stdout;
    this.live = opts.live ?? this.out.isTTY === true;
    this.color = opts.color ?? (this.out.isTTY === true && !process.env.NO_COLOR);
    this.v = opts.verbosity ?? 0;
  }

  private paint(code: number, text: string): Part {
    return { code, text };
  }

  /**
   * The one place text reaches the terminal: control characters from hosts become visible
   * escapes, and a line break inside a line is indented, so host text cannot fake a line of ours.
   */
  private render(parts: Part[]): string {
    return parts
      .map((p) => {
        const text = escapeControls(typeof p === 'string' ? p : p.text).replace(/\n/g, '\n    ');
        return typeof p !== 'string' && this.color && text ? `\x1b[${p.code}m${text}\x1b[0m` : text;
      })
      .join('');
  }

  private write(...parts: Part[]): void {
    this.clearLive();
    this.out.write(`${this.render(parts)}\n`);
    this.drawLive();
  }

  private clearLive(): void {
    if (this.liveShown) {
      this.out.write('\r\x1b[2K');
      this.liveShown = false;
    }
  }

  private drawLive(): void {
    if (!this.live || !this.step) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const total = this.step.hosts.length;
    const text = `▶ ${this.step.name}  running ${this.running.size}  done ${this.done.size}/${total}  failed ${this.failed.size}  ${secs}s`;
    const cols = this.out.columns ?? 100;
    this.out.write(`\r\x1b[2K${this.render([this.paint(C.cyan, text.slice(0, cols - 1))])}`);
    this.liveShown = true;
  }

  playStart(e: Parameters<NonNullable<Reporter['playStart']>>[0]): void {
    this.write('');
    this.write(banner(`PLAY [${e.playbook}]${e.checkMode ? ' (check mode: nothing will change)' : ''}`));
  }

  batchStart(batch: string[], index: number, total: number): void {
    this.write(this.paint(C.gray, `batch ${index + 1}/${total}: ${batch.join(', ')}`));
  }

  stepStart(e: StepStartEvent): void {
    this.step = e;
    this.running.clear();
    this.done.clear();
    this.failed.clear();
    this.started = Date.now();
    this.write('');
    this.write(banner(`${e.handler ? 'HANDLER' : 'STEP'} [${e.name}]`), e.risk ? this.paint(C.magenta, ` [changes ${e.risk}]`) : '');
    if (this.live) this.timer = setInterval(() => this.drawLive(), 250).unref();
  }

  hostStart(host: string): void {
    this.running.add(host);
    this.drawLive();
  }

  result(r: StepResult): void {
    this.running.delete(r.host);
    this.done.add(r.host);
    const dur: Part = this.v > 0 ? this.paint(C.gray, ` (${(r.durationMs / 1000).toFixed(2)}s)`) : '';
    // a loop item's line says which item, as Ansible's "=> (item=...)"
    const item = r.item ? ` => (item=${r.item.label})` : '';
    switch (r.status) {
      case 'ok':
        this.write(this.paint(C.green, `ok: [${r.host}]${item}`), dur);
        break;
      case 'changed':
        this.write(this.paint(C.yellow, `${r.predicted ? 'would change' : 'changed'}: [${r.host}]${item}`), dur);
        break;
      case 'skipped':
        this.write(this.paint(C.cyan, `skipping: [${r.host}]${item}`), this.v > 0 ? ` ${r.reason}` : '', dur);
        break;
      case 'failed': {
        this.failed.add(r.host);
        const label = r.ignored ? 'failed (ignored)' : 'failed';
        this.write(this.paint(C.red, `${label}: [${r.host}] ${r.step} · ${r.failure.message}`));
        if (r.failure.command && !r.failure.message.includes(r.failure.command)) this.write(this.paint(C.red, `    command: ${r.failure.command}`));
        if (r.failure.exitCode !== undefined && r.failure.exitCode !== null && r.failure.kind === 'command') this.write(this.paint(C.red, `    exit code: ${r.failure.exitCode}`));
        if (r.failure.stderrTail) for (const l of r.failure.stderrTail.split('\n')) this.write(this.paint(C.red, `    | ${l}`));
        if (this.v > 0 && r.failure.definedAt) this.write(this.paint(C.gray, `    step ${describeDefinition(r.failure)}`));
        break;
      }
      case 'unreachable':
        this.failed.add(r.host);
        this.write(this.paint(C.red, `unreachable: [${r.host}] ${r.failure.message}`));
        break;
    }
    for (const n of r.notes) this.write(`    ${n}`);
    for (const w of r.warnings) this.write(this.paint(C.magenta, `    [WARNING] ${w}`));
    if (r.diff) for (const l of r.diff.trimEnd().split('\n')) this.write(this.paint(l.startsWith('+') ? C.green : l.startsWith('-') ? C.red : C.gray, l));
    if (this.v >= 2) {
      for (const c of r.commands) this.write(this.paint(C.gray, `    $ ${c.command}  → ${c.exitCode ?? 'killed'} (${c.phase}, ${c.durationMs} ms)`));
    }
    if (r.risk && r.status === 'changed' && !r.predicted) {
      this.write(this.paint(C.magenta, `    ⚠ ${r.risk} change made on ${r.host} by "${r.step}"`));
    }
  }

  stepEnd(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.step = undefined;
    this.clearLive();
  }

  /** -vvv: one line of a host's connection trace (as Ansible's `<host> SSH: ...`). */
  connectionTrace(host: string, text: string): void {
    if (this.v >= 3) this.write(this.paint(C.gray, `<${host}> ${text}`));
  }

  message(level: 'debug' | 'info' | 'warn' | 'error', text: string): void {
    // run-level diagnostics (retries, settling) are for -vv
    if (level === 'debug' && this.v < 2) return;
    this.write(this.paint(level === 'error' ? C.red : level === 'warn' ? C.yellow : C.gray, text));
  }

  /** One line per group (the playbook's summaryBy): `rack r1 (web1, web2): ok (3 changed)`. */
  private groupSummary(g: GroupSummary): void {
    this.write('');
    this.write(banner(`SUMMARY BY ${g.by}`));
    for (const o of g.groups) {
      const code = o.status === 'ok' ? C.green : o.status === 'failed' || o.status === 'unreachable' ? C.red : C.yellow;
      this.write(this.paint(code, `${g.by} ${o.key} (${o.hosts.join(', ')}): ${o.text}`));
    }
  }

  playEnd(s: RunSummary): void {
    if (this.timer) clearInterval(this.timer);
    this.clearLive();
    this.step = undefined;
    const risky = riskyChanges(s.results);
    if (risky) {
      this.write('');
      this.write(banner(risky.title));
      for (const line of risky.lines) this.write(this.paint(C.magenta, line));
    }
    this.write('');
    this.write(banner('PLAY RECAP'));
    const hosts = Object.values(s.stats);
    recapLines(s.stats).forEach((line, i) => {
      const st = hosts[i]!;
      const code = st.failed > 0 || st.unreachable > 0 ? C.red : st.changed > 0 ? C.yellow : C.green;
      this.write(this.paint(code, line));
    });
    if (s.groupSummary) this.groupSummary(s.groupSummary);
    const secs = (s.durationMs / 1000).toFixed(2);
    this.write('');
    this.write(`${s.checkMode ? 'check mode: nothing was changed. ' : ''}${s.interrupted ? 'interrupted. ' : ''}finished in ${secs}s, exit code ${s.exitCode}`);
  }
}
