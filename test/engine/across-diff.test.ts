/** An across-step that writes files on the hosts of its group: the diff is in each host's result and on the console. */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { across } from '../../src/dsl/step';
import { playbook } from '../../src/dsl/playbook';
import { runPlaybook } from '../../src/scheduler/run';
import { LocalConnection } from '../../src/connection/local';
import { ConsoleReporter } from '../../src/report/console';
import { inventory, tempDir } from '../ops/helpers';

describe('across-step --diff', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('reports the diff of a file an across-step wrote on a host of its group', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const file = join(tmp.dir, 'peers.conf');
    writeFileSync(file, 'peer=old\n');
    const step = across({ name: 'peers agree', across: 'all', run: async (g) => g.hosts[0]!.put(file, `peer=${g.hosts.map((h) => h.name).join(',')}\n`) });
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => ((text += c.toString()), cb()) });
    const local = new LocalConnection({ name: 'h1', transport: 'local', host: 'localhost' });
    try {
      const s = await runPlaybook({ playbook: playbook({ name: 'a', hosts: 'all', steps: [step] }), inventory, connect: async () => local, diff: true, reporters: [new ConsoleReporter({ out, color: false })] });
      expect(s.exitCode).toBe(0);
      expect(s.results[0]).toMatchObject({ step: 'peers agree', status: 'changed' });
      expect(s.results[0]!.diff).toMatch(/-peer=old\n\+peer=h1/);
      expect(text).toContain('+peer=h1');
      expect(readFileSync(file, 'utf8')).toBe('peer=h1\n');
    } finally {
      await local.close();
    }
  });
});
