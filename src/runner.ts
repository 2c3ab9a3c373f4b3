/**
 * The library entry the CLI calls: files in (playbook, inventory), a run summary out.
 * It wires inventory → plan → engine → connections → reporters; no parsing of flags here.
 */
import { resolve } from 'node:path';
import { loadInventory } from './inventory/index';
import { loadPlaybook } from './load/index';
import { runPlaybook, type EngineOptions } from './scheduler/run';
import { planRun, type Plan } from './plan/plan';
import { parseShard } from './plan/shard';
import type { RunSummary } from './results/results';
import type { Step, Vars } from './dsl/types';
import type { ConnectionPool } from './connection/index';
import { specFromHostVars } from './connection/spec';
import { parseSessionMode } from './connection/session';
import type { HostKeyPolicy } from './connection/types';
import { ConsoleReporter } from './report/console';
import { checkOutputPath, JsonReportReporter, PinoLogReporter } from './report/files';
import { HtmlReportReporter } from './report/html';
import { Masker } from './util/mask';
import type { Reporter } from './report/types';
import { UsageError } from './errors';
import { groupLabel } from './dsl/group';
import { parseBytes } from './util/bytes';
import type { Vault } from './inventory/vault';

export interface RunFilesOptions {
  playbookFile: string;
  inventory: string[];
  limit?: string;
  /** --shard K/N: this controller's slice of the hosts (src/plan/shard.ts). */
  shard?: string;
  tags?: string[];
  skipTags?: string[];
  check?: boolean;
  diff?: boolean;
  forks?: number;
  extraVars?: Vars;
  startAtTask?: string;
  confirmStep?: (s: Step) => Promise<'yes' | 'no' | 'continue'>;
  verbose?: number;
  logFile?: string;
  report?: string;
  /** --report-html: the run report page. */
  reportHtml?: string;
  becomePassword?: string;
  hostKeyChecking?: HostKeyPolicy;
  connectTimeout?: number;
  privateKey?: string;
  /** Output kept per stream per command, e.g. "1MiB" (--max-output). */
  maxOutput?: string;
  user?: string;
  color?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
  masker?: Masker;
  /** Vault passwords for encrypted inventory files and `!vault` values. */
  vault?: Vault;
}

export type { Plan };

/** Loads the playbook and inventory and plans the run, so bad input fails before any host is touched. */
export async function plan(o: Pick<RunFilesOptions, 'playbookFile' | 'inventory' | 'limit' | 'shard' | 'tags' | 'skipTags' | 'startAtTask' | 'extraVars' | 'vault'>): Promise<Plan> {
  if (o.inventory.length === 0) throw new UsageError('no inventory given: pass -i <file or directory>');
  const shard = o.shard !== undefined ? parseShard(o.shard) : undefined; // a bad K/N fails before anything loads
  const playbook = await loadPlaybook(o.playbookFile);
  const inventory = await loadInventory(o.inventory, o.vault ? { vault: o.vault } : {});
  return planRun({
    playbook,
    playbookFile: resolve(o.playbookFile),
    inventory,
    ...(o.limit ? { limit: o.limit } : {}),
    ...(shard ? { shard } : {}),
    ...(o.tags ? { tags: o.tags } : {}),
    ...(o.skipTags ? { skipTags: o.skipTags } : {}),
    ...(o.startAtTask ? { startAt: o.startAtTask } : {}),
    ...(o.extraVars ? { extraVars: o.extraVars } : {}),
  });
}

export function listTasks(p: Plan): string {
  const lines = [`playbook: ${p.playbook.name}`, '', `  play #1 (${p.playbook.hosts}): ${p.playbook.name}\tTAGS: []`, '    tasks:'];
  for (const s of p.steps) {
    const tags = s.tags?.length ? `\tTAGS: [${s.tags.join(', ')}]` : '\tTAGS: []';
    const risk = s.risk ? ` [risk: ${s.risk}]` : '';
    const kind = s.kind === 'across' ? ` (across ${groupLabel(s.across)})` : '';
    const inBlock = s.block ? ` (block ${s.block.name}${s.block.section === 'steps' ? '' : `: ${s.block.section}`})` : '';
    lines.push(`      ${s.name}${kind}${inBlock}${risk}${tags}`);
  }
  return lines.join('\n') + '\n';
}

export function listHosts(p: Plan): string {
  return [`playbook: ${p.playbook.name}`, '', `  play #1 (${p.playbook.hosts}): ${p.playbook.name}`, `    pattern: ['${p.playbook.hosts}']`, `    hosts (${p.hosts.length}):`, ...p.hosts.map((h) => `      ${h}`)].join('\n') + '\n';
}

/** The connection flags `run` and `exec` share (each host's own vars beat them). */
export interface ConnectionFlags {
  hostKeyChecking?: HostKeyPolicy;
  connectTimeout?: number;
  privateKey?: string;
  user?: string;
  /** Output kept per stream per command, e.g. '1MiB'. */
  maxOutput?: string;
  /** 'persistent' or 'exec' (--session). */
  session?: string;
}

/** The engine's connect and checkHost for these flags, over `pool`. */
export function hostConnections(o: ConnectionFlags, pool: ConnectionPool): Pick<EngineOptions, 'connect' | 'checkHost' | 'reconnect'> {
  const maxOutputBytes = o.maxOutput !== undefined ? parseBytes(o.maxOutput, '--max-output') : undefined;
  const defaults = {
    ...(o.hostKeyChecking ? { hostKeyPolicy: o.hostKeyChecking } : {}),
    ...(o.connectTimeout !== undefined ? { connectTimeoutMs: o.connectTimeout * 1000 } : {}),
    ...(o.privateKey ? { privateKeyFile: o.privateKey } : {}),
    ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
    ...(o.user ? { user: o.user } : {}),
    ...(o.session ? { session: parseSessionMode(o.session, '--session') } : {}),
  };
  return {
    checkHost: (host, vars) => void specFromHostVars(host, vars),
    // the spec is only read to open a host's connection: building it per command cost ~16 us (W(50,100) profile)
    connect: (host, vars) => pool.existing(host) ?? pool.get(specFromHostVars(host, vars, defaults)),
    reconnect: (host, vars) => pool.reconnect(specFromHostVars(host, vars, defaults)),
  };
}

export async function runPlaybookFiles(o: RunFilesOptions): Promise<RunSummary> {
  if (o.report) checkOutputPath(o.report, '--report');
  if (o.logFile) checkOutputPath(o.logFile, '--log-file');
  if (o.reportHtml) checkOutputPath(o.reportHtml, '--report-html');
  const p = await plan(o);
  const masker = o.masker ?? new Masker();
  const consoleReporter = new ConsoleReporter({ ...(o.out ? { out: o.out } : {}), verbosity: o.verbose ?? 0, ...(o.color !== undefined ? { color: o.color } : {}) });
  const reporters: Reporter[] = [consoleReporter];
  if (o.logFile) reporters.push(new PinoLogReporter(resolve(o.logFile)));
  if (o.report) reporters.push(new JsonReportReporter(resolve(o.report), p.shard));
  if (o.reportHtml) reporters.push(new HtmlReportReporter(resolve(o.reportHtml)));
  // Bounded handshakes: 500 at once on 2 cores made every one miss its connect timeout.
  const debug = (o.verbose ?? 0) >= 3 ? (host: string, text: string) => consoleReporter.connectionTrace(host, masker.mask(text)) : undefined;
  // loaded here: ssh2 takes ~70 ms to load and --list-tasks, --list-hosts never connect (import(), not require: vitest runs src as TypeScript, which require cannot load)
  const { ConnectionPool } = await import('./connection/pool.js');
  const pool = new ConnectionPool({ connectConcurrency: 32, ...(debug ? { debug } : {}) });
  try {
    return await runPlaybook({
      plan: p,
      playbook: p.playbook,
      playbookFile: resolve(o.playbookFile),
      inventory: p.inventory,
      ...(o.limit ? { limit: o.limit } : {}),
      ...(o.tags ? { tags: o.tags } : {}),
      ...(o.skipTags ? { skipTags: o.skipTags } : {}),
      ...(o.startAtTask ? { startAt: o.startAtTask } : {}),
      check: o.check ?? false,
      diff: o.diff ?? false,
      forks: o.forks ?? 100,
      extraVars: o.extraVars ?? {},
      ...(o.becomePassword !== undefined ? { becomePassword: o.becomePassword } : {}),
      ...(o.confirmStep ? { confirmStep: o.confirmStep } : {}),
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
