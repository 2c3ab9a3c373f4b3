/**
 * The files `marshal init` writes, as text in the code rather than files beside it: the CLI is
 * one bundled file (dist/cli/marshal.js) and these travel inside it, nothing to look up at run time.
 */

export interface ScaffoldInput {
  /** npm package name of the new project. */
  name: string;
  /** How the project depends on Marshal, under the key `marshal`: an `npm:` alias or a `file:` tarball. */
  marshalSpec: string;
}

const packageJson = (i: ScaffoldInput): string =>
  JSON.stringify(
    {
      name: i.name,
      version: '0.1.0',
      private: true,
      type: 'commonjs',
      scripts: {
        // esbuild-register: TypeScript tests on node's own runner; esbuild already comes with Marshal
        test: 'node --require esbuild-register --test test/*.test.ts',
        check: 'marshal check playbooks/example.ts -i inventory/hosts.ini',
        'run:check': 'marshal run playbooks/example.ts -i inventory/hosts.ini --check',
      },
      dependencies: { marshal: i.marshalSpec },
      devDependencies: { '@types/node': '^20.19.0', 'esbuild-register': '^3.6.0' },
    },
    null,
    2,
  ) + '\n';

const TSCONFIG = `{
  // \`marshal check\` type-checks playbooks with these options (and Marshal's own declarations)
  "compilerOptions": {
    "strict": true,
    "target": "ES2022",
    "module": "Node16",
    "moduleResolution": "Node16",
    "esModuleInterop": true,
    "skipLibCheck": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["playbooks", "test"]
}
`;

const FACTS = `/**
 * Facts: a read-only command and a pure parser. The parser is tested on verbatim output
 * (test/facts.test.ts); the engine runs the command on each host (h.fact(osRelease)).
 */
import { defineFact, sh, FactParseError } from 'marshal';

export interface OsRelease {
  id: string;
  prettyName: string;
  versionId?: string;
}

/** /etc/os-release: KEY=value lines, values optionally quoted. */
export const osRelease = defineFact({
  name: 'os-release',
  command: () => sh\`cat /etc/os-release\`,
  parse: (stdout): OsRelease => {
    const kv = new Map<string, string>();
    for (const line of stdout.split('\\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) kv.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
    }
    const id = kv.get('ID');
    if (!id) throw new FactParseError('os-release', 'no ID= line');
    const versionId = kv.get('VERSION_ID');
    return { id, prettyName: kv.get('PRETTY_NAME') ?? id, ...(versionId ? { versionId } : {}) };
  },
});
`;

const PLAYBOOK = `/**
 * An example playbook: a read-only assertion, then a change guarded by a check.
 *
 *   npx marshal check playbooks/example.ts -i inventory/hosts.ini
 *   npx marshal run playbooks/example.ts -i inventory/hosts.ini --check   # what would change
 *   npx marshal run playbooks/example.ts -i inventory/hosts.ini
 */
import { playbook, step, sh, expectThat, type HostContext } from 'marshal';
import { osRelease } from './lib/facts';

interface Vars {
  greeting: string;
  /** Relative paths are in the remote user's home directory. */
  greeting_file: string;
}

/** The file's wanted content, from templates/greeting.txt.hbs. */
const greeting = (h: HostContext<Vars>): string => h.render('greeting.txt.hbs', { greeting: h.vars.greeting, host: h.name });

export default playbook<Vars>({
  name: 'Example: greet every host',
  hosts: 'all',
  defaults: { greeting: 'Hello from Marshal', greeting_file: '.marshal-example.txt' },
  steps: [
    step({
      name: 'Host describes itself in /etc/os-release',
      verify: async (h) => {
        const os = await h.fact(osRelease);
        expectThat(os.id !== '', 'an ID in /etc/os-release', os.id);
        h.note(\`runs \${os.prettyName}\`);
      },
    }),
    step({
      name: 'Greeting file is written',
      check: async (h) => (await h.run(sh\`cat -- \${h.vars.greeting_file} 2>/dev/null || true\`)).stdout === greeting(h),
      run: async (h) => {
        await h.put(h.vars.greeting_file, greeting(h));
      },
      verify: async (h) => expectThat((await h.run(sh\`cat -- \${h.vars.greeting_file}\`)).stdout === greeting(h), 'the greeting in the file'),
    }),
  ],
});
`;

const TEMPLATE = '{{greeting}}, {{host}}!\n';

const INVENTORY = `# An Ansible INI inventory: one host per line, then its variables (name=value).
# Marshal reads the same files as Ansible (INI or YAML, group_vars/ and host_vars/ beside them).
#
# [groups] list hosts; [group:vars] set variables for every host of a group;
# [group:children] nest groups. Ranges work too: web[01:20].example.com
#
# Connection variables:
#   ansible_host                  address to connect to (default: the host's name)
#   ansible_port                  ssh port (default 22, or ~/.ssh/config)
#   ansible_user                  remote user (default: ~/.ssh/config, then your login name)
#   ansible_ssh_private_key_file  private key (default: your ssh agent and ~/.ssh/id_*)
#   ansible_connection=local      run on this machine, no ssh
#   ansible_become=true           run every step through sudo (ansible_become_password, or -K)

[local]
# this machine, so the example runs as it is: replace it with your hosts
localhost ansible_connection=local

# [web]
# web1 ansible_host=192.0.2.10 ansible_user=admin
# web2 ansible_host=192.0.2.11 ansible_user=admin ansible_port=2222

# [web:vars]
# greeting="Hello from the web tier"
`;

const FACT_TEST = `/** The fact parsers, on verbatim output: no host needed (npm test). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { osRelease } from '../playbooks/lib/facts';

const DEBIAN_12 = \`PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
\`;

test('os-release: Debian 12', () => {
  assert.deepEqual(osRelease.parse(DEBIAN_12, 0, ''), { id: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)', versionId: '12' });
});

test('os-release without an ID line is refused', () => {
  assert.throws(() => osRelease.parse('NAME=nothing\\n', 0, ''), /no ID= line/);
});
`;

const GITIGNORE = `node_modules/
*.log
report*.json
`;

const README = (i: ScaffoldInput): string => `# ${i.name}

Playbooks for [Marshal](https://www.npmjs.com/package/marshal-playbook) (installed as \`marshal\`): TypeScript modules run over SSH.

    npm install
    npm test                                                            # fact parsers
    npx marshal check playbooks/example.ts -i inventory/hosts.ini       # type-check, validate
    npx marshal run playbooks/example.ts -i inventory/hosts.ini --check # what would change
    npx marshal exec all -i inventory/hosts.ini -- uptime               # one command everywhere
`;

/** Path (relative to the new project) → content. */
export function scaffoldFiles(i: ScaffoldInput): Record<string, string> {
  return {
    'package.json': packageJson(i),
    'tsconfig.json': TSCONFIG,
    '.gitignore': GITIGNORE,
    'README.md': README(i),
    'playbooks/example.ts': PLAYBOOK,
    'playbooks/lib/facts.ts': FACTS,
    'templates/greeting.txt.hbs': TEMPLATE,
    'inventory/hosts.ini': INVENTORY,
    'test/facts.test.ts': FACT_TEST,
  };
}
