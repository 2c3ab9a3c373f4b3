/**
 * The labs of one lab test file: its own loopback /24, lab dirs under /var/tmp that are stopped
 * and removed after each test (a failing `lab down` fails that test) and again, whatever
 * happened, once the file is done.
 */
import { afterAll, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDown, labUp } from '../src/index';
import { ROOT } from './cli';
import { labTestNet } from './net';

export const PB = (name: string): string => join(ROOT, 'playbooks', `${name}.ts`);

/** A host's changed, unreachable and failed counts from a recap (index 1, 2, 3). */
export const recap = (out: string, host: string) => new RegExp(`${host}\\s+: ok=\\d+\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)`).exec(out);

/** `prefix` names the dirs: /var/tmp/marshal-<prefix>-XXXXXX. */
export function testLabs(prefix: string) {
  const net = labTestNet();
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) {
      await labDown({ dir });
      rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    for (const dir of dirs.splice(0)) {
      await labDown({ dir }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  /** A new dir under /var/tmp, stopped (if a lab runs there) and removed after the test. */
  const newDir = (name = prefix): string => {
    const dir = mkdtempSync(`/var/tmp/marshal-${name}-`);
    dirs.push(dir);
    return dir;
  };
  /** A lab from a shipped scenario name or from scenario YAML text (written to a file in its dir). */
  async function lab(scenario = 'default', pairs?: number) {
    const dir = newDir();
    let file = scenario;
    if (scenario.includes('\n')) {
      file = join(dir, 'scenario.yml');
      writeFileSync(file, scenario);
    }
    const up = await labUp({ dir, scenario: file, net, ...(pairs ? { pairs } : {}) });
    return { dir, inventory: up.inventory, state: () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).hosts };
  }
  return { net, newDir, lab };
}
