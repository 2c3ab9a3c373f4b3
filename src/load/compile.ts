/**
 * Compiles a playbook and the local files it imports into one CommonJS module with esbuild
 * (transpile only: `marshal check` checks types), through a content-keyed cache on disk.
 * Installed packages and `marshal` stay outside the bundle: `marshal` is the running
 * Marshal's own API (evaluate.ts), packages load from node_modules as usual.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Loader, Message, Plugin } from 'esbuild';
import { PlaybookError } from '../errors';
import { packageRoot } from '../paths';
import { VERSION } from '../version';

export interface Compiled {
  /** The module's JavaScript, ending in an inline source map whose sources are absolute paths. */
  code: string;
  /** The source map (also inline in `code`), parsed on first use: a run whose stacks Node maps never needs it. */
  readonly map: object;
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

const FORMAT = 3; // bump when the output for the same inputs changes
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
/** What the manifest records: each input by content, and the code's own hash (a torn write is a miss). */
interface Manifest {
  inputs: Inputs;
  code: string;
}
const manifestOf = (entry: string) => join(compileCacheDir(), `${sha(salt(), entry)}.inputs.json`);
const codeFileOf = (entry: string, inputs: Inputs) => join(compileCacheDir(), `${sha(salt(), entry, JSON.stringify(inputs))}.js`);

function readMap(code: string): object {
  const at = code.lastIndexOf(INLINE_MAP);
  return JSON.parse(Buffer.from(code.slice(at + INLINE_MAP.length).trim(), 'base64').toString('utf8')) as object;
}

function compiled(code: string, file: string, inputs: Inputs, cached: boolean, map?: object): Compiled {
  let parsed = map;
  return { code, file, inputs: inputs.map(([f]) => f), cached, get map() { return (parsed ??= readMap(code)); } };
}

function readManifest(entry: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestOf(entry), 'utf8')) as Manifest;
    return Array.isArray(m.inputs) && typeof m.code === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The cached module when the entry and every file it imported are unchanged, by content. */
function fromCache(entry: string): Compiled | undefined {
  const m = readManifest(entry);
  if (!m) return undefined;
  try {
    for (const [file, hash] of m.inputs) if (sha(readFileSync(file)) !== hash) return undefined;
    const file = codeFileOf(entry, m.inputs);
    const code = readFileSync(file, 'utf8');
    return sha(code) === m.code ? compiled(code, file, m.inputs, true) : undefined;
  } catch {
    return undefined; // an input gone, the code file gone: compile
  }
}

/** Write then rename (a concurrent run sees the old file or the whole new one); no fsync: a torn file fails its hash and is rebuilt (fsync cost ~6 ms a miss). */
function put(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function store(c: Compiled, entry: string, inputs: Inputs): void {
  try {
    const old = readManifest(entry);
    mkdirSync(compileCacheDir(), { recursive: true });
    put(c.file, c.code);
    put(manifestOf(entry), JSON.stringify({ inputs, code: sha(c.code) } satisfies Manifest));
    // the entry's previous build is dead weight now (each edit of a playbook would add ~140 KB)
    if (old && codeFileOf(entry, old.inputs) !== c.file) rmSync(codeFileOf(entry, old.inputs), { force: true });
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

type Esbuild = typeof import('esbuild');
type Bundled = import('esbuild').BuildResult<{ write: false; metafile: true }>;

async function bundle(esbuild: Esbuild, entry: string, plugins: Plugin[]): Promise<Bundled> {
  try {
    return await esbuild.build({
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
      plugins,
    });
  } catch (err) {
    throw compileError(entry, err);
  }
}

/** Each local input of a build by content; `paths`: one of them uses __dirname or __filename (the plugin must give it its own). */
function inputsOf(entry: string, out: Bundled, known: Map<string, string>): { hashes: Map<string, string>; paths: boolean; changedSince: (ms: number) => boolean } {
  const hashes = new Map(known);
  let paths = false;
  const files = Object.keys(out.metafile.inputs).map((f) => resolve(dirname(entry), f));
  for (const abs of files) {
    if (hashes.has(abs)) continue;
    const raw = readFileSync(abs);
    hashes.set(abs, sha(raw));
    const text = extname(abs) === '.json' ? '' : raw.toString('utf8');
    if (USES_PATHS.test(text) && !DECLARES_PATHS.test(text)) paths = true;
  }
  const changedSince = (ms: number) => files.some((f) => statSync(f).mtimeMs > ms);
  return { hashes, paths, changedSince };
}

/**
 * esbuild reads the files itself first (no round trip to JS per file: a miss of prepare-cx7.ts,
 * 16 files, built in 44-49 ms instead of 57-60); only when a file uses __dirname or __filename
 * is it built again through the plugin that gives each file its own.
 */
async function build(entry: string): Promise<Compiled> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on a cache miss only (~20 ms)
  const esbuild = require('esbuild') as Esbuild;
  const started = performance.timeOrigin + performance.now(); // a file with a later mtime was edited during the build
  const viaPlugin = new Map<string, string>();
  let out = await bundle(esbuild, entry, []);
  let seen = inputsOf(entry, out, viaPlugin);
  if (seen.paths) {
    out = await bundle(esbuild, entry, [recordInputs(viaPlugin)]);
    seen = inputsOf(entry, out, viaPlugin);
  }
  const js = out.outputFiles.find((f) => f.path.endsWith('.js'))!;
  const map = JSON.parse(out.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as { sources: string[] };
  map.sources = map.sources.map((s) => resolve(dirname(entry), s));
  const inputs: Inputs = [...seen.hashes].sort(([a], [b]) => a.localeCompare(b));
  const code = `${js.text}${INLINE_MAP}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  const c = compiled(code, codeFileOf(entry, inputs), inputs, false, map);
  // a file changed while it was built: its hash may not be what was compiled, so this build is not cached
  if (!seen.changedSince(started)) store(c, entry, inputs);
  return c;
}

/** The playbook `entry` (an absolute path) as one CommonJS module, from the cache when nothing changed. */
export async function compilePlaybook(entry: string): Promise<Compiled> {
  return fromCache(entry) ?? build(entry);
}
