/**
 * Compiles a playbook and the local files it imports into one CommonJS module with esbuild
 * (transpile only: `marshal check` checks types), through a content-keyed cache on disk.
 * Installed packages and `marshal` stay outside the bundle: `marshal` is the running
 * Marshal's own API (evaluate.ts), packages load from node_modules as usual.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write';
import { dirname, extname, join, resolve } from 'node:path';
import type { Loader, Message, Plugin } from 'esbuild';
import { PlaybookError } from '../errors';
import { packageRoot } from '../paths';
import { VERSION } from '../version';

export interface Compiled {
  /** The module's JavaScript, ending in an inline source map whose sources are absolute paths. */
  code: string;
  /** The source map (also inline in `code`). */
  map: object;
  /** The file the code is cached in (it may not exist when the cache is not writable). */
  file: string;
  /** Every local file that went into it. */
  inputs: string[];
  /** True when the code came from the cache. */
  cached: boolean;
}

/** MARSHAL_CACHE_DIR, else node_modules/.cache/marshal next to this package (the usual place for tool caches). */
export function compileCacheDir(): string {
  return process.env.MARSHAL_CACHE_DIR || join(packageRoot(), 'node_modules', '.cache', 'marshal', 'ts');
}

const FORMAT = 2; // bump when the output for the same inputs changes
const INLINE_MAP = '\n//# sourceMappingURL=data:application/json;base64,';
const sha = (...parts: (string | Buffer)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

let salted: string | undefined;
/** What else decides the output: Marshal's and esbuild's versions (read from package.json files: cheap). */
function salt(): string {
  if (salted === undefined) {
    let esbuild = '?';
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      esbuild = (require('esbuild/package.json') as { version: string }).version;
    } catch {
      /* not installed: the build says so on a miss */
    }
    salted = JSON.stringify([FORMAT, VERSION, esbuild]);
  }
  return salted;
}

type Inputs = [file: string, hash: string][];
const manifestOf = (entry: string) => join(compileCacheDir(), `${sha(salt(), entry)}.inputs.json`);
const codeFileOf = (entry: string, inputs: Inputs) => join(compileCacheDir(), `${sha(salt(), entry, JSON.stringify(inputs))}.js`);

function readMap(code: string): object {
  const at = code.lastIndexOf(INLINE_MAP);
  return JSON.parse(Buffer.from(code.slice(at + INLINE_MAP.length).trim(), 'base64').toString('utf8')) as object;
}

/** The cached module when the entry and every file it imported are unchanged, by content. */
function fromCache(entry: string): Compiled | undefined {
  try {
    const inputs = JSON.parse(readFileSync(manifestOf(entry), 'utf8')) as Inputs;
    for (const [file, hash] of inputs) if (sha(readFileSync(file)) !== hash) return undefined;
    const file = codeFileOf(entry, inputs);
    const code = readFileSync(file, 'utf8');
    return { code, map: readMap(code), file, inputs: inputs.map(([f]) => f), cached: true };
  } catch {
    return undefined; // no entry yet, an input gone, a torn file: compile
  }
}


function store(c: Compiled, entry: string, inputs: Inputs): void {
  try {
    mkdirSync(compileCacheDir(), { recursive: true });
    writeFileAtomic(c.file, c.code); // a concurrent run reads the old state or the whole file
    writeFileAtomic(manifestOf(entry), JSON.stringify(inputs));
  } catch {
    /* a read-only install still works, just without the cache */
  }
}

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.json': 'json' };
const USES_PATHS = /\b__(dirname|filename)\b/;
const DECLARES_PATHS = /\b(const|let|var|function)\s+__(dirname|filename)\b/;

/**
 * Reads each local file once: its hash keys the cache, and a file using `__dirname` or
 * `__filename` gets its own values (bundled, they would be those of the compiled module),
 * declared on line 1 so no line moves.
 */
function recordInputs(hashes: Map<string, string>): Plugin {
  return {
    name: 'marshal-inputs',
    setup(b) {
      b.onLoad({ filter: /\.([cm]?[jt]sx?|json)$/ }, (args) => {
        const raw = readFileSync(args.path);
        hashes.set(args.path, sha(raw));
        let contents = raw.toString('utf8');
        const loader = LOADERS[extname(args.path)] ?? 'js';
        if (loader !== 'json' && USES_PATHS.test(contents) && !DECLARES_PATHS.test(contents)) {
          contents = `var __dirname = ${JSON.stringify(dirname(args.path))}, __filename = ${JSON.stringify(args.path)}; ${contents}`;
        }
        return { contents, loader };
      });
    },
  };
}

function compileError(entry: string, err: unknown): PlaybookError {
  const first = (err as { errors?: Message[] }).errors?.[0];
  if (!first) return new PlaybookError(`does not compile: ${(err as Error).message}`, { file: entry });
  const loc = first.location;
  return new PlaybookError(`does not compile: ${first.text}`, loc ? { file: resolve(dirname(entry), loc.file), line: loc.line } : { file: entry });
}

async function build(entry: string): Promise<Compiled> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on a cache miss only (~20 ms)
  const esbuild = require('esbuild') as typeof import('esbuild');
  const hashes = new Map<string, string>();
  let out: import('esbuild').BuildResult<{ write: false; metafile: true }>;
  try {
    out = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: dirname(entry),
      outfile: join(dirname(entry), 'playbook.js'), // not written: decides the map's relative sources
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      external: ['marshal', 'marshal/*'], // also where a tsconfig `paths` maps it to sources
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [recordInputs(hashes)],
    });
  } catch (err) {
    throw compileError(entry, err);
  }
  const js = out.outputFiles.find((f) => f.path.endsWith('.js'))!;
  const map = JSON.parse(out.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as { sources: string[] };
  map.sources = map.sources.map((s) => resolve(dirname(entry), s));
  for (const f of Object.keys(out.metafile.inputs)) {
    const abs = resolve(dirname(entry), f);
    if (!hashes.has(abs)) hashes.set(abs, sha(readFileSync(abs)));
  }
  const inputs: Inputs = [...hashes].sort(([a], [b]) => a.localeCompare(b));
  const code = `${js.text}${INLINE_MAP}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  const c: Compiled = { code, map, file: codeFileOf(entry, inputs), inputs: inputs.map(([f]) => f), cached: false };
  store(c, entry, inputs);
  return c;
}

/** The playbook `entry` (an absolute path) as one CommonJS module, from the cache when nothing changed. */
export async function compilePlaybook(entry: string): Promise<Compiled> {
  return fromCache(entry) ?? build(entry);
}
