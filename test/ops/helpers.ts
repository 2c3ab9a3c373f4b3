/** Runs operations through the engine: on this machine inside a temp dir (local connection), or against a fake. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../src/scheduler/run';
import { playbook } from '../../src/dsl/playbook';
import { LocalConnection } from '../../src/connection/local';
import type { Connection } from '../../src/connection/types';
import type { StepList } from '../../src/dsl/types';
import type { RunSummary } from '../../src/results/results';
import { memoryInventory } from '../support/fake';

export const inventory = memoryInventory({ web: { h1: {} } });

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-ops-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One local host; connections are closed after the run. */
export async function runLocal(steps: StepList, opts: { check?: boolean; diff?: boolean } = {}): Promise<RunSummary> {
  const conns: Connection[] = [];
  const connect = async (host: string) => {
    const c = new LocalConnection({ name: host, transport: 'local', host: 'localhost' });
    conns.push(c);
    return c;
  };
  try {
    return await runPlaybook({ playbook: playbook({ name: 'ops', hosts: 'all', steps }), inventory, connect, ...opts });
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

export const statuses = (s: RunSummary): string[] => s.results.map((r) => r.status);
