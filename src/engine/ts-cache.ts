/**
 * Loads `.ts` playbook modules through a compile cache. Compiling with TypeScript costs
 * 1-2 s of CPU per process (typescript.js is loaded and its compiler paths warmed up),
 * more than a whole run over 50 hosts; the JavaScript of an unchanged file is the same
 * every time, so it is kept on disk keyed by content and compiler, and TypeScript (via
 * ts-node, whose errors `load.ts` already turns into PlaybookErrors) is only loaded on a miss.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write';
import { join, sep } from 'node:path';
import { packageRoot } from '../paths';

type Compile = (code: string, fileName: string) => string;

const COMPILER_OPTIONS = {
  module: 'commonjs',
  moduleResolution: 'node10',
  target: 'ES2022',
  esModuleInterop: true,
  sourceMap: true,
  inlineSourceMap: false,
};

/** MARSHAL_CACHE_DIR, else node_modules/.cache/marshal next to this package (the usual place for tool caches). */
export function compileCacheDir(): string {
  return process.env.MARSHAL_CACHE_DIR || join(packageRoot(), 'node_modules', '.cache', 'marshal', 'ts');
}

let compiler: Compile | undefined;
let salt: string | undefined;

function tsCompile(): Compile {
  if (!compiler) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsnode = require('ts-node') as typeof import('ts-node');
    const service = tsnode.create({ transpileOnly: true, skipProject: true, compilerOptions: COMPILER_OPTIONS });
    compiler = (code, fileName) => service.compile(code, fileName);
  }
  return compiler;
}

/** What else decides the output: compiler versions and options (read from package.json files: cheap). */
function cacheSalt(): string {
  if (salt === undefined) {
    const version = (pkg: string): string => {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (require(`${pkg}/package.json`) as { version: string }).version;
      } catch {
        return '?';
      }
    };
    salt = JSON.stringify([1, version('typescript'), version('ts-node'), COMPILER_OPTIONS]);
  }
  return salt;
}

export function compileCached(code: string, fileName: string): string {
  const key = createHash('sha256').update(cacheSalt()).update('\0').update(fileName).update('\0').update(code).digest('hex');
  const dir = compileCacheDir();
  const file = join(dir, `${key}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    /* miss */
  }
  const js = tsCompile()(code, fileName); // throws ts-node's TSError on syntax errors: nothing is cached
  try {
    writeFileAtomic(file, js); // a concurrent run reads the old state or the whole file
  } catch {
    /* a read-only install still works, just without the cache */
  }
  return js;
}

let registered = false;

/** Makes `require` of a `.ts` file compile it through the cache; stack traces point at the .ts lines. */
export function registerCompileCache(): void {
  if (registered) return;
  registered = true;
  // The compiled code carries an inline source map; Node maps stack frames with it natively.
  process.setSourceMapsEnabled(true);
  const exts = require.extensions;
  const plainJs = exts['.js']!;
  exts['.ts'] = (mod, filename) => {
    // Like ts-node's default: .ts files inside node_modules are not compiled.
    if (filename.includes(`${sep}node_modules${sep}`)) return plainJs(mod, filename);
    const js = compileCached(readFileSync(filename, 'utf8'), filename);
    (mod as unknown as { _compile(code: string, file: string): void })._compile(js, filename);
  };
}
