/** `marshal init`: writes a playbook project into a new or empty directory; never over files. */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { VERSION } from '../version';
import { PACKAGE_NAME } from '../paths';
import { scaffoldFiles } from './templates';

export interface InitOptions {
  /** How the project depends on Marshal (default: `^` the running version, from the registry under Marshal's npm name). */
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

/**
 * The dependency written under the key `marshal`: a version range or tag becomes an npm alias of
 * Marshal's npm name (alone it would fetch the registry's unrelated `marshal`); a `file:` tarball,
 * a path, a URL or an `npm:` alias is written as given.
 */
export function marshalDependency(spec: string = `^${VERSION}`): string {
  const s = spec.trim();
  if (!s) throw new UsageError(`marshal init: --marshal-spec is empty; give a version range (^${VERSION}) or file:/path/to/${PACKAGE_NAME}-${VERSION}.tgz`);
  return /[:/\\]/.test(s) ? s : `npm:${PACKAGE_NAME}@${s}`;
}

/** Writes the project; returns the files written, relative to `dir`. */
export function initProject(dir: string, o: InitOptions = {}): string[] {
  const root = resolve(dir);
  refuseNonEmpty(root);
  const files = scaffoldFiles({ name: packageName(root), marshalSpec: marshalDependency(o.marshalSpec) });
  for (const [rel, text] of Object.entries(files)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  }
  return Object.keys(files);
}
