/** The web role's fact parsers on verbatim output: no host needed. */
import { describe, expect, it } from 'vitest';
import { isFactParseError } from 'marshal';
import { parseWebConf, webConf, currentRelease } from '../lib/facts';
import { renderConf } from '../lib/web';

const CONF = `# managed by Marshal (examples/web)
listen=8080
root=/srv/www/current
site=alpha
site=beta
`;

describe('webConf', () => {
  it('parses web.conf as written by the role', () => {
    expect(parseWebConf(CONF)).toEqual({ listen: 8080, root: '/srv/www/current', sites: ['alpha', 'beta'] });
    expect(parseWebConf(renderConf({ listen: 80, root: '/r', sites: [] }))).toEqual({ listen: 80, root: '/r', sites: [] });
  });

  it('a missing file (exit 1) is no configuration, not an error', () => {
    expect(webConf.parse('', 1, '')).toBeUndefined();
  });

  it('refuses a malformed file, naming the line', () => {
    const bad = (text: string) => {
      try {
        parseWebConf(text);
      } catch (e) {
        expect(isFactParseError(e)).toBe(true);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad('listen=8080\nroot=/r\nlisten 80\n')).toMatch(/webConf: line 3 is not key=value: "listen 80"/);
    expect(bad('listen=http\nroot=/r\n')).toMatch(/line 1: listen must be a port number, got "http"/);
    expect(bad('listen=1\nroot=/r\nports=2\n')).toMatch(/line 3: unknown key "ports"/);
    expect(bad('root=/r\n')).toMatch(/listen= and root= are required/);
  });

  it('quotes the root in its command', () => {
    expect(webConf.command("/srv/it's").text).toContain(`'/srv/it'\\''s/web.conf'`);
  });
});

describe('currentRelease', () => {
  it('is the link target, or undefined without a link', () => {
    expect(currentRelease.parse('releases/2\n', 0, '')).toBe('releases/2');
    expect(currentRelease.parse('', 1, 'readlink: /srv/www/current: No such file')).toBeUndefined();
  });
});
