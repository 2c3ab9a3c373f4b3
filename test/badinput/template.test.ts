import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderFile, renderString, TemplateError } from '../../src/template';

const dir = mkdtempSync(join(tmpdir(), 'marshal-tpl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('templates render config files, not HTML', () => {
  it('{{x}} is written as is: no &#x3D; for =, no &amp; or &lt;', () => {
    expect(renderString('token={{token}}\nurl={{url}}\n', { token: 'dGVzdA==', url: 'https://h/?a=1&b=<2>' })).toBe('token=dGVzdA==\nurl=https://h/?a=1&b=<2>\n');
  });

  it('markup templates (*.xml.hbs) still escape, so a value cannot break a libvirt XML', () => {
    expect(renderString("<name a='{{v}}'>{{v}}</name>", { v: `x'<&>` }, 'domain.xml.hbs')).toBe("<name a='x&#x27;&lt;&amp;&gt;'>x&#x27;&lt;&amp;&gt;</name>");
  });

  it('strict mode stays: a missing variable names the file and line', () => {
    const f = join(dir, 'app.conf.hbs');
    writeFileSync(f, 'a={{a}}\nb={{b}}\n');
    let err: unknown;
    try {
      renderFile(f, { a: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect([(err as TemplateError).file, (err as TemplateError).line]).toEqual([f, 2]);
    expect((err as Error).message).toMatch(new RegExp(`^${f}:2: "b" not defined`));
  });
});
