// Generates docs/operations-reference.md from the code: every function src/ops/index.ts exports,
// its JSDoc, and its options (name, type, required, JSDoc) read with the TypeScript compiler API.
// `--check`: exit 1 when the committed file differs (test/docs/operations-reference.test.ts).
// `--entry FILE --stdout`: another module's reference on stdout (the test's fixtures).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const entry = arg('--entry') ?? `${root}src/ops/index.ts`;
const out = `${root}docs/operations-reference.md`;

const program = ts.createProgram({
  rootNames: [entry],
  options: { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: ['node'], skipLibCheck: true, noEmit: true },
});
const checker = program.getTypeChecker();

const doc = (sym) => ts.displayPartsToString(sym.getDocumentationComment(checker)).replace(/\s*\n\s*/g, ' ').trim();
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const resolve = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

/** The interface (or type alias) a property is declared in, e.g. 'OpOptions' or 'Attrs'. */
function ownerOf(prop) {
  const d = prop.declarations?.[0];
  const parent = d?.parent;
  if (parent && (ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent))) return parent.name.text;
  if (parent && ts.isTypeLiteralNode(parent) && ts.isTypeAliasDeclaration(parent.parent)) return parent.parent.name.text;
  return undefined;
}

/** A property's type as written in its declaration (short, keeps the author's names), or as the checker prints it. */
function typeText(prop, at) {
  const d = prop.declarations?.[0];
  if (d && (ts.isPropertySignature(d) || ts.isPropertyDeclaration(d)) && d.type) return d.type.getText().replace(/\s+/g, ' ');
  return checker.typeToString(checker.getTypeOfSymbolAtLocation(prop, at));
}

/** Step options every operation passes on (declared outside the operation's own options). */
const STEP_OWNERS = new Set(['OpOptions', 'HostStepOptions', 'StepCommon', 'Pick', 'Partial']);

/** An options object (an interface or object type), not a primitive, array, function or class instance such as RegExp. */
function isOptionsType(t) {
  const parts = t.isUnion() ? t.types.filter((x) => !(x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))) : [t];
  return parts.length === 1 && parts[0].flags & ts.TypeFlags.Object && !checker.isArrayType(parts[0]) && !checker.isTupleType(parts[0]) && parts[0].getCallSignatures().length === 0;
}

function optionsTable(pType, decl) {
  const own = [];
  const common = [];
  for (const prop of checker.getPropertiesOfType(pType)) (STEP_OWNERS.has(ownerOf(prop) ?? 'Partial') ? common : own).push(prop);
  const lines = ['| option | type | required | description |', '| --- | --- | --- | --- |'];
  for (const prop of own) {
    const required = !(prop.flags & ts.SymbolFlags.Optional);
    lines.push(`| \`${prop.name}\` | \`${cell(typeText(prop, decl))}\` | ${required ? 'yes' : ''} | ${cell(doc(prop))} |`);
  }
  if (own.length === 0) lines.push('| (none of its own) | | | |');
  lines.push('');
  if (common.length > 0) lines.push(`Step options: ${common.map((p) => `\`${p.name}\``).join(', ')}.`, '');
  return lines;
}

function describeOp(name, sym) {
  const decl = sym.valueDeclaration ?? sym.declarations?.[0];
  const sigs = checker.getSignaturesOfType(checker.getTypeOfSymbolAtLocation(sym, decl), ts.SignatureKind.Call);
  const lines = [`## ops.${name}`, '', doc(sym) || '(no description in the code)', ''];
  for (const sig of sigs) {
    const params = sig.getParameters().map((p) => {
      const d = p.valueDeclaration;
      const written = d && ts.isParameter(d) && d.type ? d.type.getText() : checker.typeToString(checker.getTypeOfSymbolAtLocation(p, decl));
      return `${p.name}${d && ts.isParameter(d) && d.questionToken ? '?' : ''}: ${written.replace(/\s+/g, ' ')}`;
    });
    lines.push('```ts', `ops.${name}(${params.join(', ')})`, '```', '');
    for (const p of sig.getParameters()) {
      const t = checker.getTypeOfSymbolAtLocation(p, decl);
      if (isOptionsType(t)) lines.push(...(sig.getParameters().length > 1 ? [`\`${p.name}\`:`, ''] : []), ...optionsTable(t, decl));
    }
  }
  return lines;
}

/** The step options every operation takes, with their documentation from the step's own options. */
function stepOptions(exports) {
  const opOptions = exports.find((s) => s.name === 'OpOptions');
  if (!opOptions) return [];
  const type = checker.getDeclaredTypeOfSymbol(resolve(opOptions));
  const lines = ['## Step options', '', 'Every operation passes these on to the step it makes (`OpOptions`):', '', '| option | description |', '| --- | --- |'];
  for (const prop of checker.getPropertiesOfType(type)) lines.push(`| \`${prop.name}\` | ${cell(doc(prop))} |`);
  return [...lines, ''];
}

function generate() {
  const mod = checker.getSymbolAtLocation(program.getSourceFile(entry));
  const exports = checker.getExportsOfModule(mod);
  const ops = exports
    .map((s) => [s.name, resolve(s)])
    .filter(([, s]) => s.flags & ts.SymbolFlags.Function)
    .sort(([a], [b]) => a.localeCompare(b));
  const header = [
    '# Operations reference',
    '',
    '<!-- Generated from src/ops by `npm run docs:operations` (scripts/operations-reference.mjs): do not edit by hand. -->',
    '',
    "`import { ops } from 'marshal'`. Each operation returns one step (check → run → verify); how they",
    'behave under `--check` and `--diff` is in [operations.md](operations.md).',
    '',
    ops.map(([n]) => `[ops.${n}](#ops${n.toLowerCase()})`).join(' · '),
    '',
  ];
  return [...header, ...ops.flatMap(([n, s]) => describeOp(n, s)), ...stepOptions(exports)].join('\n').trimEnd() + '\n';
}

const text = generate();
if (process.argv.includes('--stdout')) process.stdout.write(text);
else if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(out, 'utf8');
  } catch {
    // missing: out of date
  }
  if (committed !== text) {
    process.stderr.write(`${out} is out of date: run npm run docs:operations\n`);
    process.exit(1);
  }
} else writeFileSync(out, text);
