/**
 * The `marshal` command's entry point, and the entry of the bundled CLI (dist/cli/marshal.js,
 * built by scripts/bundle.mjs): one file instead of ~90 modules to find and compile at every
 * start (measured in docs/decisions.md). Playbooks `import 'marshal'`, which resolves to
 * dist/index.js; registering this bundle's API under that path gives them the same instance
 * the CLI runs with, instead of loading the whole library a second time.
 */
import Module from 'node:module';
import { join } from 'node:path';
import * as api from '../index';
import { packageRoot } from '../paths';

const indexPath = join(packageRoot(), 'dist', 'index.js');
if (!require.cache[indexPath]) {
  const m = new Module(indexPath);
  m.filename = indexPath;
  m.loaded = true;
  m.exports = api;
  require.cache[indexPath] = m;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- runs the CLI after the registration above
require('./main');
