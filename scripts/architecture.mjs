// Regenerates the picture in docs/architecture.md from the code: dependency-cruiser's mermaid
// output, collapsed to one node per folder, between the two markers. `--check`: exit 1 when the
// committed doc differs (test/architecture/doc.test.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = `${root}docs/architecture.md`;
const START = '<!-- graph:start (npm run docs:architecture) -->';
const END = '<!-- graph:end -->';

const mermaid = execFileSync(
  `${root}node_modules/.bin/depcruise`,
  ['src', 'packages/lab/src', 'packages/sshd-harness/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'mermaid',
    '--include-only', '^(src|packages)/', '--collapse', '^(src/[^/]+|packages/[^/]+)/'],
  { cwd: root, encoding: 'utf8' },
);
const text = readFileSync(doc, 'utf8');
const [before, rest] = text.split(START);
const after = rest?.split(END)[1];
if (after === undefined) throw new Error(`${doc}: the markers ${START} and ${END} are missing`);
const updated = `${before}${START}\n\`\`\`mermaid\n${mermaid.trim()}\n\`\`\`\n${END}${after}`;
if (process.argv.includes('--check')) {
  if (updated !== text) {
    process.stderr.write(`${doc} is out of date: run npm run docs:architecture\n`);
    process.exit(1);
  }
} else writeFileSync(doc, updated);
