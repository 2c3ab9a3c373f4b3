/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal demo` (the README's main command): start the lab, prepare, attach the VF, migrate. */
import type { CommandModule } from 'yargs';

export const demoCommand: CommandModule<object, { dir?: string; keep?: boolean }> = {
  command: 'demo',
  describe: 'Start the simulated CX-7 lab and run prepare-cx7, attach-vf and migrate-vm on it',
  builder: (y) =>
    y
      .option('dir', { type: 'string', describe: 'lab directory (default $MARSHAL_LAB_DIR or ./.marshal/lab)' })
      .option('report', { type: 'string', describe: 'directory for the JSON reports of the three runs' }) as never,
  handler: async (a) => {
    const { runDemo } = (require('../demo') as typeof import('../demo'));
    process.exitCode = await runDemo({ ...(a.dir ? { dir: a.dir } : {}), ...((a as { report?: string }).report ? { reportDir: (a as { report?: string }).report! } : {}) });
  },
};
