/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal init [dir]`: scaffold a playbook project. */
import type { CommandModule } from 'yargs';

type Args = { dir: string; marshalSpec?: string };

export const initCommand: CommandModule<object, Args> = {
  command: 'init [dir]',
  describe: 'Create a playbook project (package.json, tsconfig, playbooks/, inventory/, templates/, test/) in a new or empty directory',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: '.', describe: 'the new project directory (new or empty)' })
      .option('marshal-spec', { type: 'string', describe: 'how the project depends on Marshal (installed as node_modules/marshal): a version range of marshal-playbook on the registry (default: ^ this version) or file:/path/to/marshal-playbook-<version>.tgz' }) as never,
  handler: (a) => {
    const { initProject } = require('../init/scaffold') as typeof import('../init/scaffold');
    const files = initProject(a.dir, a.marshalSpec !== undefined ? { marshalSpec: a.marshalSpec } : {});
    process.stdout.write(`created ${files.length} files in ${a.dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n\nnext:\n  cd ${a.dir}\n  npm install\n  npm test\n  npx marshal check playbooks/example.ts -i inventory/hosts.ini\n  npx marshal run playbooks/example.ts -i inventory/hosts.ini --check\n`);
  },
};
