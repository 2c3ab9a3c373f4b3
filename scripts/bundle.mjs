// Bundles the CLI (dist/cli/main.js, already compiled by tsc) into dist/cli/marshal.js.
// Bundled: Marshal's own modules, yargs and node-ssh with their small dependencies (the
// files every command loads). Left in node_modules: ssh2 (native crypto binding found by
// relative path) and what loads on use only (esbuild, TypeScript, pino, handlebars, execa,
// yaml, diff, ssh-config). Why: docs/decisions.md, "Start-up".
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bundled = new Set(['yargs', 'node-ssh']);
// ts-node (dev only): the lab starts its daemon through it when run from src/ (tests)
const external = [...Object.keys(pkg.dependencies).filter((d) => !bundled.has(d)), 'ssh2', 'cpu-features', 'ts-node'];

await build({
  entryPoints: [new URL('../dist/cli/main.js', import.meta.url).pathname],
  outfile: new URL('../dist/cli/marshal.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
});
