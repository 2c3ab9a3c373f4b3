/**
 * The library entry the CLI calls: files in (playbook, inventory), a run summary out.
 * It wires inventory → plan → engine → connections → reporters; no parsing of flags here.
 */
import { resolve } from 'node:path';
import { loadInventory, selectHosts } from './inventory/index';
import type { Inventory } from './inventory/types';
import { loadPlaybook } from './load/index';
import { runPlaybook } from './engine/run';
import { selectSteps } from './engine/select';
import type { RunSummary } from './engine/results';
import type { Playbook, Step, Vars } from './dsl/types';
import { ConnectionPool, specFromHostVars } from './connection/index';
import type { HostKeyPolicy } from './connection/types';
import { ConsoleReporter } from './report/console';
import { JsonReportReporter, PinoLogReporter } from './report/files';
import { Masker } from './report/mask';
import type { Reporter } from './report/types';
import { UsageError } from './errors';

export interface RunFilesOptions {
  playbookFile: string;
  inventory: string[];
  limit?: string;
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
  becomePassword?: string;
  hostKeyChecking?: HostKeyPolicy;
  connectTimeout?: number;
  privateKey?: string;
  user?: string;
  color?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
  masker?: Masker;
}

export interface Plan {
  playbook: Playbook<any>;
  inventory: Inventory;
  hosts: string[];
  steps: Step[];
}

/** Loads and resolves everything a run needs, so bad input fails before any host is touched. */
export async function plan(o: Pick<RunFilesOptions, 'playbookFile' | 'inventory' | 'limit' | 'tags' | 'skipTags' | 'startAtTask'>): Promise<Plan> {
  if (o.inventory.length === 0) throw new UsageError('no inventory given: pass -i <file or directory>');
  const playbook = await loadPlaybook(o.playbookFile);
  const inventory = await loadInventory(o.inventory);
  let hosts = selectHosts(inventory, playbook.hosts);
  if (o.limit) {
    const limited = new Set(selectHosts(inventory, o.limit));
    hosts = hosts.filter((h) => limited.has(h));
  }
  const filter = { ...(o.tags ? { tags: o.tags } : {}), ...(o.skipTags ? { skipTags: o.skipTags } : {}), ...(o.startAtTask ? { startAt: o.startAtTask } : {}) };
  return { playbook, inventory, hosts, steps: selectSteps(playbook.steps, filter) };
}

export function listTasks(p: Plan): string {
  const lines = [`playbook: ${p.playbook.name}`, '', `  play #1 (${p.playbook.hosts}): ${p.playbook.name}\tTAGS: []`, '    tasks:'];
  for (const s of p.steps) {
    const tags = s.tags?.length ? `\tTAGS: [${s.tags.join(', ')}]` : '\tTAGS: []';
    const risk = s.risk ? ` (changes ${s.risk})` : '';
    const kind = s.kind === 'across' ? ` (across ${typeof s.across === 'string' ? s.across : 'groups'})` : '';
    lines.push(`      ${s.name}${kind}${risk}${tags}`);
  }
  return lines.join('\n') + '\n';
}

export function listHosts(p: Plan): string {
  return [`playbook: ${p.playbook.name}`, '', `  play #1 (${p.playbook.hosts}): ${p.playbook.name}`, `    pattern: ['${p.playbook.hosts}']`, `    hosts (${p.hosts.length}):`, ...p.hosts.map((h) => `      ${h}`)].join('\n') + '\n';
}

export async function runPlaybookFiles(o: RunFilesOptions): Promise<RunSummary> {
  const p = await plan(o);
  const masker = o.masker ?? new Masker();
  const reporters: Reporter[] = [new ConsoleReporter({ ...(o.out ? { out: o.out } : {}), verbosity: o.verbose ?? 0, ...(o.color !== undefined ? { color: o.color } : {}) })];
  if (o.logFile) reporters.push(new PinoLogReporter(resolve(o.logFile)));
  if (o.report) reporters.push(new JsonReportReporter(resolve(o.report)));
  // Bounded handshakes: 500 at once on 2 cores made every one miss its connect timeout.
  const pool = new ConnectionPool({ connectConcurrency: 32 });
  try {
    return await runPlaybook({
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
      checkHost: (host, vars) => void specFromHostVars(host, vars),
      connect: (host, vars) =>
        pool.get(
          specFromHostVars(host, vars, {
            ...(o.hostKeyChecking ? { hostKeyPolicy: o.hostKeyChecking } : {}),
            ...(o.connectTimeout !== undefined ? { connectTimeoutMs: o.connectTimeout * 1000 } : {}),
            ...(o.privateKey ? { privateKeyFile: o.privateKey } : {}),
            ...(o.user ? { user: o.user } : {}),
          }),
        ),
    });
  } finally {
    await pool.closeAll();
  }
}
