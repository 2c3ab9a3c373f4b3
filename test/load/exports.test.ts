/**
 * The public API is closed: every type a public name mentions (in its properties, parameters,
 * return types, type arguments, base types) is itself exported, from the same entry or from
 * `marshal`, so users can name it. Walked with the TypeScript checker over src/.
 */
import { describe, expect, it } from 'vitest';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '../..');
const ENTRIES = { marshal: join(ROOT, 'src/index.ts'), 'marshal/runner': join(ROOT, 'src/runner-api.ts') };
const program = ts.createProgram({ rootNames: Object.values(ENTRIES), options: { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: ['node'], skipLibCheck: true, noEmit: true } });
const checker = program.getTypeChecker();

function exported(entry: string): Set<ts.Symbol> {
  const mod = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  return new Set(checker.getExportsOfModule(mod).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)));
}

/** Named types declared in Marshal's sources that `root` mentions, found by walking its type graph. */
function mentioned(root: ts.Symbol): Map<ts.Symbol, string> {
  const found = new Map<ts.Symbol, string>();
  const seen = new Set<ts.Type>();
  const own = (s: ts.Symbol | undefined) => s?.declarations?.find((d) => d.getSourceFile().fileName.startsWith(join(ROOT, 'src')) && !ts.isTypeParameterDeclaration(d));
  const note = (s: ts.Symbol | undefined) => {
    const d = own(s);
    if (s && d && (ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d) || ts.isClassDeclaration(d) || ts.isEnumDeclaration(d))) {
      found.set(s, `${relative(ROOT, d.getSourceFile().fileName)}:${d.getSourceFile().getLineAndCharacterOfPosition(d.getStart()).line + 1}`);
    }
  };
  const walk = (t: ts.Type, depth: number): void => {
    if (seen.has(t) || depth > 12) return;
    seen.add(t);
    note(t.aliasSymbol);
    note(t.getSymbol());
    for (const a of t.aliasTypeArguments ?? []) walk(a, depth + 1);
    if (t.isUnionOrIntersection()) t.types.forEach((x) => walk(x, depth + 1));
    if (t.getFlags() & ts.TypeFlags.Object) {
      const ref = t as ts.TypeReference;
      if ((ref as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) checker.getTypeArguments(ref).forEach((x) => walk(x, depth + 1));
      if (t.isClassOrInterface()) checker.getBaseTypes(t).forEach((x) => walk(x, depth + 1));
      // only what the declaration's own file says: not the members of Promise, Array, Map...
      if (own(t.getSymbol()) || !t.getSymbol() || t.getSymbol()!.name === '__type' || t.getSymbol()!.name === '__object') {
        for (const p of checker.getPropertiesOfType(t)) {
          if (p.valueDeclaration && !own(p) && !own((p as ts.Symbol & { parent?: ts.Symbol }).parent)) continue;
          walk(checker.getTypeOfSymbol(p), depth + 1);
        }
        for (const sig of [...t.getCallSignatures(), ...t.getConstructSignatures()]) walkSignature(sig, depth + 1);
      }
    }
  };
  const walkSignature = (sig: ts.Signature, depth: number) => {
    for (const p of sig.getParameters()) walk(checker.getTypeOfSymbol(p), depth);
    walk(sig.getReturnType(), depth);
    for (const tp of sig.getTypeParameters() ?? []) {
      const c = tp.getConstraint();
      if (c) walk(c, depth);
    }
  };
  const decl = root.declarations?.[0];
  if (root.flags & ts.SymbolFlags.Function) checker.getTypeOfSymbol(root).getCallSignatures().forEach((s) => walkSignature(s, 0));
  else if (root.flags & ts.SymbolFlags.Class) {
    walk(checker.getDeclaredTypeOfSymbol(root), 0);
    checker.getTypeOfSymbol(root).getConstructSignatures().forEach((s) => walkSignature(s, 0));
  } else if (root.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) walk(checker.getDeclaredTypeOfSymbol(root), 0);
  else if (decl) walk(checker.getTypeOfSymbol(root), 0);
  found.delete(root);
  return found;
}

describe('public API', () => {
  const authoring = exported(ENTRIES.marshal);
  for (const [name, entry] of Object.entries(ENTRIES)) {
    it(`every type mentioned by a name exported from '${name}' is exported too`, () => {
      const names = exported(entry);
      const reachable = new Set([...names, ...authoring]);
      const missing: string[] = [];
      for (const s of names) {
        for (const [dep, where] of mentioned(s)) if (!reachable.has(dep)) missing.push(`${s.name} mentions ${dep.name} (${where})`);
      }
      expect([...new Set(missing)].sort()).toEqual([]);
    });
  }

  it('`marshal` holds the authoring names only: embedding is `marshal/runner`', () => {
    const names = [...exported(ENTRIES.marshal)].map((s) => s.name);
    for (const embedding of ['runPlaybook', 'runPlaybookFiles', 'plan', 'loadInventory', 'selectHosts', 'registerInventoryPlugin', 'Masker', 'loadPlaybook']) {
      expect(names).not.toContain(embedding);
      expect([...exported(ENTRIES['marshal/runner'])].map((s) => s.name)).toContain(embedding);
    }
  });
});
