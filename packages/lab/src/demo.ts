/** The flagship demo: the lab's default pair, prepared, VF attached, VM live-migrated. */
import { join, resolve } from 'node:path';
import type { MarshalPluginApi } from 'marshal/runner';
import { labDown, labStatus, labUp } from './lab';

export interface DemoOptions {
  /** The running Marshal (the plugin API): its runner, and the project holding playbooks/ and inventory/. */
  api: Pick<MarshalPluginApi, 'runner' | 'projectDir'>;
  dir?: string;
  reportDir?: string;
  out?: NodeJS.WritableStream;
}

export async function runDemo(o: DemoOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  out.write('Starting the simulated CX-7 lab (source + destination, one VM on the source)…\n');
  // the committed inventory/lab.yml follows MARSHAL_LAB_DIR, so point it at this lab
  if (o.dir) process.env.MARSHAL_LAB_DIR = resolve(o.dir);
  // the demo shows the whole procedure from the start, so a lab left by an earlier run is reset
  const dirOpt = o.dir ? { dir: o.dir } : {};
  if ((await labStatus(dirOpt)).up) {
    out.write('A lab is already up (maybe from an earlier demo): resetting it to the starting scenario.\n');
    await labDown(dirOpt);
  }
  const lab = await labUp(dirOpt);
  out.write(`lab up: ${lab.hosts.map((h: { name: string; address: string }) => `${h.name}=${h.address}`).join(', ')}\n`);
  const inventory = [join(o.api.projectDir, 'inventory')];
  for (const name of ['prepare-cx7', 'attach-vf', 'migrate-vm']) {
    const summary = await o.api.runner.runPlaybookFiles({
      playbookFile: join(o.api.projectDir, 'playbooks', `${name}.ts`),
      inventory,
      ...(o.reportDir ? { report: join(o.reportDir, `${name}.json`) } : {}),
      out: out as never,
    });
    if (summary.exitCode !== 0) {
      out.write(`\n${name} failed (exit ${summary.exitCode}); stopping the demo. The lab is still up: \`marshal lab status\`, \`marshal lab down\`.\n`);
      return summary.exitCode;
    }
  }
  out.write('\nDemo complete: both hosts prepared, VF attached, VM migrated and reachable over its VF. `marshal lab down` stops the lab.\n');
  return 0;
}
