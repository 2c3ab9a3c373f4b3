/* eslint-disable @typescript-eslint/no-require-imports -- the command loads the demo on use: every `marshal` start registers it */
/** `marshal demo` (the README's main command): start the lab, prepare, attach the VF, migrate. */
import type { MarshalPluginApi, PluginCommand } from 'marshal/runner';

/** The demo runs the playbooks and inventory of the project that lists the lab plugin, with the running Marshal. */
export function demoCommand(api: Pick<MarshalPluginApi, 'runner' | 'projectDir'>): PluginCommand {
  return {
    command: 'demo',
    describe: 'Start the simulated CX-7 lab and run prepare-cx7, attach-vf and migrate-vm on it',
    options: {
      dir: { type: 'string', describe: 'lab directory (default $MARSHAL_LAB_DIR or ./.marshal/lab)' },
      report: { type: 'string', describe: 'directory for the JSON reports of the three runs' },
    },
    handler: (a) => {
      const { runDemo } = require('./demo') as typeof import('./demo');
      const { dir, report } = a as { dir?: string; report?: string };
      return runDemo({ api, ...(dir ? { dir } : {}), ...(report ? { reportDir: report } : {}) });
    },
  };
}
