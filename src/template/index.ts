/**
 * Handlebars in strict mode: a variable the data lacks is an error naming the template's
 * file and line, never an empty string in a libvirt XML. No HTML escaping: Marshal renders
 * config files, where `token=dGVzdA==` must stay as written (not `token&#x3D;dGVzdA&#x3D;&#x3D;`);
 * only markup templates (`*.xml.hbs`, `*.html.hbs`, `*.svg.hbs`) are escaped.
 */
import type HandlebarsNs from 'handlebars';
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { StepFailure, UsageError, isStepFailure, isUsageError } from '../errors';
import { formatSize, inputLimits, readLimited } from '../util/read-limited';

/** A template that does not render: a StepFailure of kind 'template'. */
export class TemplateError extends StepFailure {
  override name = 'TemplateError';
  constructor(message: string, file?: string, line?: number) {
    super('template', message);
    if (file !== undefined) this.file = file;
    if (line !== undefined) this.line = line;
  }
}

export function isTemplateError(e: unknown): e is TemplateError {
  return isStepFailure(e) && e.kind === 'template';
}

let handlebars: typeof HandlebarsNs | undefined;

/** The strict Handlebars environment, created on first render (most runs render nothing). */
function env(): typeof HandlebarsNs {
  if (handlebars) return handlebars;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hb = (require('handlebars') as typeof HandlebarsNs).create();
  hb.registerHelper('lower', (s: unknown) => String(s).toLowerCase());
  hb.registerHelper('upper', (s: unknown) => String(s).toUpperCase());
  // hex 0xNN with a fixed width: `{{hex bus 2}}` → 0xe1
  hb.registerHelper('hex', (n: unknown, width: unknown) => {
    const v = typeof n === 'string' ? parseInt(n, 16) : Number(n);
    if (!Number.isInteger(v) || v < 0) throw new Error(`hex: not a non-negative integer: ${String(n)}`);
    return `0x${v.toString(16).padStart(typeof width === 'number' ? width : 1, '0')}`;
  });
  handlebars = hb;
  return hb;
}

const cache = new Map<string, HandlebarsTemplateDelegate>();
// markup (libvirt domain XML) keeps Handlebars' escaping: a value with `<` or `&` must not break it
const MARKUP = /\.(?:xml|x?html?|svg)(?:\.hbs|\.handlebars)?$/i;

/** Nearest `templates/` directory at or above `from` (the playbook's folder). */
export function findTemplatesDir(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'templates');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function resolveTemplate(name: string, templatesDir: string | undefined): string {
  const file = isAbsolute(name) ? name : templatesDir ? join(templatesDir, name) : resolve(name);
  if (!existsSync(file)) {
    throw new TemplateError(`template not found: ${name}${templatesDir ? ` (looked in ${templatesDir})` : ''}`);
  }
  return file;
}

/** Renders a template string; `file` is used for messages. */
export function renderString(source: string, data: Record<string, unknown>, file = '<inline>'): string {
  let tpl = cache.get(`${file}\0${source}`);
  try {
    if (!tpl) {
      tpl = env().compile(source, { strict: true, noEscape: !MARKUP.test(file) });
      cache.set(`${file}\0${source}`, tpl);
    }
    const out = tpl(data);
    // the expansion bound: `{{#each}}` over large data may multiply a template's size
    const max = inputLimits().maxBytes;
    if (out.length > max) throw new TemplateError(`${file}: renders to ${formatSize(out.length)}, over the input size limit of ${formatSize(max)} (--max-input-size)`, file);
    return out;
  } catch (err) {
    if (isTemplateError(err)) throw err;
    const msg = (err as Error).message;
    // handlebars reports "… - 4:18" or "Parse error on line 4:" — keep the line for file:line.
    const m = / - (\d+):\d+$/.exec(msg) ?? /on line (\d+)/.exec(msg);
    const line = m ? Number(m[1]) : undefined;
    const clean = msg.replace(/ - \d+:\d+$/, '').replace(/ in \[object Object\]/, '');
    throw new TemplateError(`${file}${line ? `:${line}` : ''}: ${clean.split('\n')[0]}`, file, line);
  }
}

export function renderFile(name: string, data: Record<string, unknown>, templatesDir?: string): string {
  const file = resolveTemplate(name, templatesDir);
  let source: string;
  try {
    source = readLimited(file, { what: 'template' });
  } catch (err) {
    if (isUsageError(err)) throw new TemplateError(`${file}: ${err.message}`, file);
    throw err;
  }
  return renderString(source, data, file);
}
