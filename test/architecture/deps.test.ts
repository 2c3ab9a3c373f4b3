/**
 * The import rules (.dependency-cruiser.cjs) bite: a fixture tree laid out like Marshal's, with
 * one import of each forbidden kind, is cruised with the project's own config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '../..');
const FILES: Record<string, string> = {
  'tsconfig.json': '{ "compilerOptions": { "module": "node16", "strict": true } }',
  'src/report/console.ts': 'export const line = 1;\n',
  'src/connection/wrap.ts': "import { line } from '../report/console';\nexport const w = line;\n",
  'src/connection/types.ts': 'export interface Connection { run(): void }\nexport const make = () => 1;\n',
  'src/dsl/step.ts': "import type { Connection } from '../connection/types';\nexport type Step = (c: Connection) => void;\n",
  'src/dsl/bad.ts': "import { make } from '../connection/types';\nexport const b = make();\n",
  'src/util/glob.ts': "import { x } from '../inventory/model';\nexport const g = x;\n",
  'src/inventory/model.ts': 'export const x = 1;\n',
  'src/plan/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
  'src/plan/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
  'src/lifecycle/step.ts': "import { s } from '../scheduler/linear';\nexport const l = s;\n",
  'src/scheduler/linear.ts': 'export const s = 1;\n',
  'src/results/results.ts': "import { packaged } from '../../packages/lab/src/index';\nexport const r = packaged;\n",
  'packages/lab/src/index.ts': 'export const packaged = 1;\n',
};

let dir: string;
let violations: { rule: { name: string }; from: string; to: string }[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-deps-'));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const bin = join(ROOT, 'node_modules/.bin/depcruise');
  const args = ['src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'];
  let out: string;
  try {
    out = execFileSync(bin, args, { cwd: dir, encoding: 'utf8' });
  } catch (e) {
    out = (e as { stdout: string }).stdout; // exits non-zero on violations, as npm test needs
  }
  violations = (JSON.parse(out) as { summary: { violations: typeof violations } }).summary.violations;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const found = (rule: string, from: string) => violations.some((v) => v.rule.name === rule && v.from === from);

describe('import rules', () => {
  it('forbid a connection importing a reporter', () => expect(found('connection-below-execution', 'src/connection/wrap.ts')).toBe(true));
  it('forbid util importing another layer', () => expect(found('util-imports-only-util', 'src/util/glob.ts')).toBe(true));
  it('forbid cycles', () => expect(violations.some((v) => v.rule.name === 'no-circular' && v.from.startsWith('src/plan/'))).toBe(true));
  it('forbid the lifecycle importing the scheduler', () => expect(found('lifecycle-below-scheduler', 'src/lifecycle/step.ts')).toBe(true));
  it('forbid the core importing a workspace package', () => expect(found('core-not-to-packages', 'src/results/results.ts')).toBe(true));
  it("allow the DSL a connection type, never the connection's code", () => {
    expect(found('dsl-connection-types-only', 'src/dsl/bad.ts')).toBe(true);
    expect(violations.some((v) => v.from === 'src/dsl/step.ts')).toBe(false);
  });
  it('leave allowed imports alone', () => {
    expect(violations.some((v) => v.from === 'src/inventory/model.ts' || v.from === 'src/scheduler/linear.ts')).toBe(false);
  });
});
