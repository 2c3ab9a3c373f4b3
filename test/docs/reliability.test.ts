/**
 * docs/reliability.md cites, for every fault it lists, the test that proves it as
 * `test/<file> › <describe> › <test>`. This checks each citation against the test files' syntax
 * trees (titles as written in the code, template literals with their `${...}`), so a renamed,
 * moved, skipped or deleted test makes the doc fail here instead of rotting.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '../..');
const DOC = join(ROOT, 'docs/reliability.md');
const TEST_CALLS = new Set(['describe', 'it', 'test']);
// a citation pointing at these would name a test that does not run
const NOT_RUN = new Set(['skip', 'todo', 'fails']);

interface Citation {
  line: number;
  file: string;
  titles: string[];
}

/** Every `test/... › ...` code span in the doc's table rows, with its line. */
function citationsOf(markdown: string): { rows: { line: number; cites: Citation[] }[] } {
  const rows: { line: number; cites: Citation[] }[] = [];
  markdown.split('\n').forEach((text, i) => {
    if (!text.startsWith('|') || /^\|[\s:|-]+\|$/.test(text)) return;
    const cites = [...text.matchAll(/`(test\/[^`]+?)`/g)].map((m) => {
      const [file, ...titles] = m[1]!.split(' › ');
      return { line: i + 1, file: file!, titles };
    });
    rows.push({ line: i + 1, cites });
  });
  return { rows };
}

/** The callee's root name and the member names on the way (`it.skipIf(x)` → it, [skipIf]). */
function callee(e: ts.Expression): { name?: string; members: string[] } {
  const members: string[] = [];
  for (;;) {
    if (ts.isIdentifier(e)) return { name: e.text, members };
    if (ts.isPropertyAccessExpression(e)) {
      members.push(e.name.text);
      e = e.expression;
    } else if (ts.isCallExpression(e)) e = e.expression;
    else return { members };
  }
}

/** A title as written: a string's value, or a template literal's source between its backticks. */
function titleText(a: ts.Expression | undefined, sf: ts.SourceFile): string | undefined {
  if (!a) return undefined;
  if (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a)) return a.text;
  if (ts.isTemplateExpression(a)) return a.getText(sf).slice(1, -1);
  return undefined;
}

/** Every describe/it/test title path of a test source that runs (skip and todo left out). */
function testPaths(file: string, source = readFileSync(file, 'utf8')): Set<string> {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const paths = new Set<string>();
  const walk = (n: ts.Node, path: string[]) => {
    if (ts.isCallExpression(n)) {
      const { name, members } = callee(n.expression);
      const title = titleText(n.arguments[0], sf);
      if (name && TEST_CALLS.has(name) && title !== undefined) {
        if (members.some((m) => NOT_RUN.has(m))) return;
        const p = [...path, title];
        paths.add(p.join(' › '));
        n.arguments.slice(1).forEach((a) => walk(a, p));
        return;
      }
    }
    ts.forEachChild(n, (c) => walk(c, path));
  };
  walk(sf, []);
  return paths;
}

const parsed = new Map<string, Set<string>>();

/** What is wrong with a citation, or undefined when it names a test that exists and runs. */
function problemOf(c: Citation): string | undefined {
  const where = `docs/reliability.md:${c.line}: ${c.file}`;
  const abs = join(ROOT, c.file);
  if (!existsSync(abs)) return `${where}: no such file`;
  if (c.titles.length === 0) return `${where}: no test named`;
  const name = c.titles.join(' › ');
  if (!parsed.has(abs)) parsed.set(abs, testPaths(abs));
  if (!parsed.get(abs)!.has(name)) return `${where}: no running test "${name}"`;
  return undefined;
}

describe('docs/reliability.md', () => {
  const { rows } = citationsOf(readFileSync(DOC, 'utf8'));
  const cites = rows.flatMap((r) => r.cites);

  it('cites only test files that exist and test names that appear in them', () => {
    expect(cites.length).toBeGreaterThan(60);
    expect(cites.map(problemOf).filter(Boolean)).toEqual([]);
  });

  it('every fault row cites at least one test', () => {
    // rows of the fault tables have four cells; header rows name the columns
    const faultRows = readFileSync(DOC, 'utf8').split('\n').map((t, i) => ({ t, line: i + 1 }))
      .filter(({ t }) => t.startsWith('|') && !/^\|[\s:|-]+\|$/.test(t) && !t.startsWith('| Fault'))
      .filter(({ t }) => t.split(' | ').length >= 4);
    expect(faultRows.length).toBeGreaterThan(40);
    const bare = faultRows.filter(({ line }) => rows.find((r) => r.line === line)!.cites.length === 0);
    expect(bare.map(({ line, t }) => `${line}: ${t.slice(0, 60)}`)).toEqual([]);
  });

  it('the check can fail: a wrong file, a wrong name, a wrong describe and a skipped test are caught', () => {
    const file = 'test/faults/lifecycle.test.ts';
    expect(problemOf({ line: 1, file: 'test/faults/nope.test.ts', titles: ['x'] })).toMatch(/no such file/);
    expect(problemOf({ line: 1, file, titles: ['signals', 'SIGKILL is ignored'] })).toMatch(/no running test/);
    expect(problemOf({ line: 1, file, titles: ['signals', 'reconnects to stop what the lost session started'] })).toMatch(/no running test/);
    expect(problemOf({ line: 1, file, titles: ['signals', '${signal}: running commands are stopped, recap, report and play_end written, exit ${code}'] })).toBeUndefined();
    const paths = testPaths('x.test.ts', "describe('d', () => { it.skip('s', () => {}); it.skipIf(x)(`r ${y}`, () => {}); test.todo('t'); });");
    expect([...paths]).toEqual(['d', 'd › r ${y}']);
    expect(citationsOf('| a | b | `test/x.test.ts › d › t` | |\n|---|---|---|---|').rows).toEqual([{ line: 1, cites: [{ line: 1, file: 'test/x.test.ts', titles: ['d', 't'] }] }]);
  });
});
