/**
 * A small, strict XML reader for libvirt's domain XML: elements, attributes, text, comments,
 * CDATA, the XML declaration and the five predefined entities plus numeric references.
 * No DTDs or namespaces handling beyond keeping prefixed names as they are. It throws on
 * anything malformed rather than guessing, and that is all `virsh dumpxml` needs.
 */
import { FactParseError } from 'marshal';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated text directly inside this element (not its children's). */
  readonly text: string;
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function decode(fact: string, s: string, at: number): string {
  return s.replace(/&([^;&\s]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new FactParseError(fact, `unterminated entity near offset ${at}: ${JSON.stringify(whole)}`);
    if (body in ENTITIES) return ENTITIES[body]!;
    const num = /^#(x[0-9a-f]+|\d+)$/i.exec(body);
    if (num) {
      const v = num[1]!;
      return String.fromCodePoint(v[0] === 'x' || v[0] === 'X' ? parseInt(v.slice(1), 16) : parseInt(v, 10));
    }
    throw new FactParseError(fact, `unknown entity &${body}; near offset ${at}`);
  });
}

export function parseXml(text: string, fact = 'xml'): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    const line = text.slice(0, i).split('\n').length;
    const near = text.slice(i, i + 40);
    throw new FactParseError(fact, `${msg} at line ${line}: ${JSON.stringify(near)}`);
  };
  const skipWs = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  // Moves past the next `close`, returning the text before it; `what` names a construct left open.
  const through = (close: string, what: string): string => {
    const end = text.indexOf(close, i);
    if (end < 0) fail(`unterminated ${what}`);
    const body = text.slice(i, end);
    i = end + close.length;
    return body;
  };
  const skipMisc = () => {
    for (;;) {
      skipWs();
      if (text.startsWith('<?', i)) through('?>', '<? ... ?>');
      else if (text.startsWith('<!--', i)) through('-->', 'comment');
      else if (text.startsWith('<!DOCTYPE', i)) {
        fail('DOCTYPE is not supported');
      } else return;
    }
  };

  type Building = { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string };
  const element = (): XmlElement => {
    if (text[i] !== '<') fail('expected <');
    i++;
    const el: Building = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipWs();
      if (text.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace, > or />');
      const an = readName();
      skipWs();
      if (text[i] !== '=') fail(`expected = after attribute ${an}`);
      i++;
      skipWs();
      const q = text[i];
      if (q !== '"' && q !== "'") fail(`expected a quoted value for attribute ${an}`);
      const end = text.indexOf(q!, i + 1);
      if (end < 0) fail(`unterminated value for attribute ${an}`);
      const raw = text.slice(i + 1, end);
      if (raw.includes('<')) fail(`< inside attribute ${an}`);
      if (an in el.attrs) fail(`attribute ${an} repeated`);
      el.attrs[an] = decode(fact, raw, i);
      i = end + 1;
    }
    for (;;) {
      if (i >= text.length) fail(`missing </${el.name}>`);
      if (text.startsWith('</', i)) {
        i += 2;
        const close = readName();
        if (close !== el.name) fail(`</${close}> closes <${el.name}>`);
        skipWs();
        if (text[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (text.startsWith('<!--', i)) through('-->', 'comment');
      else if (text.startsWith('<![CDATA[', i)) el.text += through(']]>', 'CDATA').slice('<![CDATA['.length);
      else if (text.startsWith('<?', i)) through('?>', '<? ... ?>');
      else if (text[i] === '<') {
        el.children.push(element());
      } else {
        const next = text.indexOf('<', i);
        const end = next < 0 ? text.length : next;
        el.text += decode(fact, text.slice(i, end), i);
        i = end;
      }
    }
  };

  skipMisc();
  if (i >= text.length) fail('empty document');
  const root = element();
  skipMisc();
  if (i < text.length) fail('content after the root element');
  return root;
}

/** Direct children named `name`. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first element along a child path, e.g. child(dom, 'devices', 'iommu'). */
export function child(el: XmlElement, ...path: string[]): XmlElement | undefined {
  let cur: XmlElement | undefined = el;
  for (const p of path) {
    cur = cur?.children.find((c) => c.name === p);
    if (!cur) return undefined;
  }
  return cur;
}
