/** `marshal init`: writes a playbook project into a new or empty directory; never over files. */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { VERSION } from '../version';
import { scaffoldFiles } from './templates';

export interface InitOptions {
  /** How the project depends on Marshal (default: `^` the running version). */
  marshalSpec?: string;
}

/** An npm package name from the directory's name: lower case, only the characters npm allows. */
export function packageName(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return name || 'playbooks';
}

function refuseNonEmpty(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`marshal init: ${dir} exists and is not a directory`);
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '');
    throw new UsageError(`marshal init: ${dir} is not empty (${shown}); give a new or empty directory, nothing was written`);
  }
}

/** Writes the project; returns the files written, relative to `dir`. */
export function initProject(dir: string, o: InitOptions = {}): string[] {
  const root = resolve(dir);
  refuseNonEmpty(root);
  const spec = o.marshalSpec ?? `^${VERSION}`;
  if (!spec.trim()) throw new UsageError('marshal init: --marshal-spec is empty; give a version range or file:/path/to/marshal.tgz');
  const files = scaffoldFiles({ name: packageName(root), marshalSpec: spec });
  for (const [rel, text] of Object.entries(files)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  }
  return Object.keys(files);
}
