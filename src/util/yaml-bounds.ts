/**
 * Expands a YAML document's aliases in place, within bounds: at most `maxAliases` alias nodes and
 * at most `maxBytes` of data once every alias is replaced by a copy of its anchor. A billion-laughs
 * file stops at the alias that crosses a bound, with its line, after O(maxBytes) work; and since
 * no alias is left, converting the document costs no whole-document scan per alias (the `yaml`
 * package's Alias.resolve does one: 11,000 `<<: *defaults` hosts took over 4 minutes).
 */
import type { Alias, Document, LineCounter, Node } from 'yaml';
import { yaml } from './yaml-lib';
import { UsageError } from '../errors';
import { formatSize, inputLimits, type InputLimits } from './read-limited';

/** A node's own share of the text: a scalar its source span, a collection or pair a little. */
function sizeOf(node: unknown): number {
  const Y = yaml();
  if (Y.isScalar(node)) return node.range ? Math.max(1, node.range[1] - node.range[0]) : String(node.value).length + 1;
  return Y.isCollection(node) ? 2 : 0;
}

/**
 * The document's size with every alias counted as its anchor's expanded size, in O(nodes): anchors
 * memoised, so a billion-laughs file is measured, not expanded. Fails at the alias crossing a bound.
 */
function measure(doc: Document.Parsed, bounds: InputLimits, fail: (alias: Alias, message: string) => never): void {
  const Y = yaml();
  const anchors = new Map<string, Node>();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let aliases = 0;
  let total = 0;
  const walk = (n: unknown): number => {
    if (Y.isAlias(n)) {
      const target = anchors.get(n.source);
      if (!target) return fail(n, `YAML alias *${n.source} names no anchor before it`);
      if (open.has(target)) return fail(n, `YAML alias *${n.source} refers to a node that contains it (a recursive structure)`);
      if (++aliases > bounds.maxAliases) return fail(n, `YAML document has more than ${bounds.maxAliases} aliases (raise the limit with --max-yaml-aliases)`);
      const size = sizes.get(target) ?? 0;
      total += size;
      if (total > bounds.maxBytes) {
        return fail(n, `YAML aliases expand the document past the input size limit of ${formatSize(bounds.maxBytes)} (at *${n.source}; raise it with --max-input-size)`);
      }
      return size;
    }
    if (Y.isNode(n) && n.anchor) anchors.set(n.anchor, n);
    open.add(n);
    let size = sizeOf(n);
    total += size;
    if (Y.isPair(n)) size += walk(n.key) + walk(n.value);
    else if (Y.isCollection(n)) for (const item of n.items) size += walk(item);
    open.delete(n);
    sizes.set(n, size);
    return size;
  };
  walk(doc.contents);
}

/**
 * Replaces every alias with a copy of its anchor (the last anchor of that name before it, as the
 * YAML spec says), after measuring that the copies fit. Throws a UsageError naming `file` and the
 * alias's line.
 */
export function expandYamlAliases(doc: Document.Parsed, file: string, lines: LineCounter, bounds: InputLimits = inputLimits()): void {
  const Y = yaml();
  const fail = (alias: Alias, message: string): never => {
    const off = alias.range?.[0];
    throw new UsageError(message, off === undefined ? { file } : { file, line: lines.linePos(off).line });
  };
  measure(doc, bounds, fail);
  const anchors = new Map<string, Node>();
  Y.visit(doc, {
    Node(_key, node) {
      if (!Y.isAlias(node)) {
        if (node.anchor) anchors.set(node.anchor, node);
        return undefined;
      }
      const copy = anchors.get(node.source)!.clone() as Node;
      delete copy.anchor;
      return copy;
    },
  });
}
