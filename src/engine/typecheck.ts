/** `marshal check`: a full TypeScript type-check of a playbook and everything it imports. */
import { dirname, resolve } from 'node:path';
import type * as TS from 'typescript';

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
  types: ['node'],
});

export function typecheckPlaybook(file: string): TypeDiagnostic[] {
  const ts = typescript();
  const abs = resolve(file);
  let options: TS.CompilerOptions = defaults(ts);
  const configFile = ts.findConfigFile(dirname(abs), ts.sys.fileExists, 'tsconfig.json');
  if (configFile) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (!read.error) {
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configFile));
      options = { ...parsed.options, noEmit: true };
    }
  }
  const program = ts.createProgram({ rootNames: [abs], options });
  const diags = ts.getPreEmitDiagnostics(program).filter((d) => !d.file || !d.file.fileName.includes('/node_modules/'));
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
