/**
 * `marshal check`: a full TypeScript type-check of a playbook and everything it imports.
 * `marshal` and `marshal/runner` are checked against this Marshal's own declarations, the
 * API the playbook gets at run time (evaluate.ts), wherever the playbook is.
 */
import { dirname, join, resolve, sep } from 'node:path';
import type * as TS from 'typescript';
import { fromDist, packageRoot } from '../paths';

export interface TypeDiagnostic {
  file?: string;
  line?: number;
  column?: number;
  code: number;
  message: string;
}

// Loaded on use: typescript.js takes ~0.3-1 s to load and every `marshal` command imports this file.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const typescript = (): typeof TS => require('typescript') as typeof TS;

const defaults = (ts: typeof TS): TS.CompilerOptions => ({
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
});

/**
 * Node's declarations (`process`, `Buffer`, node:fs) for a playbook without a tsconfig: from its
 * own project, else the ones Marshal was installed with; none rather than TS2688 when neither
 * has them (@types/node is a devDependency of Marshal, absent from a project that installed it).
 */
function nodeTypes(playbookDir: string): Pick<TS.CompilerOptions, 'types' | 'typeRoots'> {
  for (const from of [playbookDir, packageRoot()]) {
    try {
      const pkg = require.resolve('@types/node/package.json', { paths: [from] });
      return { types: ['node'], typeRoots: [dirname(dirname(pkg))] };
    } catch {
      /* not installed there: try the next place */
    }
  }
  return { types: [] };
}

/** The declarations of this Marshal's public entries: sources under vitest, dist/*.d.ts when built. */
function ownTypes(): TS.MapLike<string[]> {
  const root = packageRoot();
  const at = (name: string) => [fromDist ? join(root, 'dist', `${name}.d.ts`) : join(root, 'src', `${name}.ts`)];
  return { marshal: at('index'), 'marshal/runner': at('runner-api') };
}

function optionsFor(ts: typeof TS, abs: string): TS.CompilerOptions {
  const configFile = ts.findConfigFile(dirname(abs), ts.sys.fileExists, 'tsconfig.json');
  if (configFile) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (!read.error) {
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configFile));
      return { ...parsed.options, noEmit: true, paths: { ...parsed.options.paths, ...ownTypes() } };
    }
  }
  return { ...defaults(ts), ...nodeTypes(dirname(abs)), paths: ownTypes() };
}

export function typecheckPlaybook(file: string): TypeDiagnostic[] {
  const ts = typescript();
  const abs = resolve(file);
  const program = ts.createProgram({ rootNames: [abs], options: optionsFor(ts, abs) });
  // Marshal's own sources are not the user's to fix (under the user's stricter options, say)
  const own = [join(packageRoot(), 'src') + sep, join(packageRoot(), 'dist') + sep];
  const mine = (f: string) => f.includes('/node_modules/') || own.some((d) => resolve(f).startsWith(d));
  const diags = ts.getPreEmitDiagnostics(program).filter((d) => !d.file || !mine(d.file.fileName));
  return diags.map((d) => {
    const out: TypeDiagnostic = { code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      out.file = d.file.fileName;
      out.line = line + 1;
      out.column = character + 1;
    }
    return out;
  });
}
