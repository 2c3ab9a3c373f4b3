import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { argv, quote, raw, secret, sh } from '../../src/dsl/command';
import { Masker } from '../../src/util/mask';

/** What a real POSIX shell makes of a command line: each word printed between brackets. */
function words(cmdline: string, shell = '/bin/sh'): string[] {
  const out = execFileSync(shell, ['-c', `for w in ${cmdline}; do :; done; printf '[%s]' ${cmdline}`], { encoding: 'utf8' });
  return [...out.matchAll(/\[([\s\S]*?)\](?=\[|$)/g)].map((m) => m[1]!);
}

describe('sh`` quoting', () => {
  it('passes a hostile value as one literal word', () => {
    const evil = '$(touch /tmp/pwned); `id`';
    const cmd = sh`printf %s ${evil}`;
    expect(cmd.text).toBe(`printf %s '$(touch /tmp/pwned); \`id\`'`);
    expect(execFileSync('/bin/sh', ['-c', cmd.text], { encoding: 'utf8' })).toBe(evil);
  });

  it('round-trips any string through sh and bash (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')), (s) => {
        for (const shell of ['/bin/sh', '/bin/bash']) {
          const got = execFileSync(shell, ['-c', `printf '%s' ${quote(s)}`]);
          expect(got.toString('utf8')).toBe(Buffer.from(s, 'utf8').toString('utf8'));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps globs, options and newlines literal', () => {
    expect(words(argv(['*', '--force', 'a\nb', "it's", '']).text)).toEqual(['*', '--force', 'a\nb', "it's", '']);
  });

  it('expands arrays to several words and nests commands', () => {
    const inner = sh`echo ${'a b'}`;
    expect(sh`sudo ${inner}`.text).toBe("sudo echo 'a b'");
    expect(sh`ls ${['x y', 'z']}`.text).toBe("ls 'x y' z");
  });

  it('refuses undefined and null instead of sending "undefined"', () => {
    expect(() => sh`rm -rf /srv/${undefined as unknown as string}`).toThrow(/is undefined/);
  });

  it('raw() is the explicit opt-out', () => {
    expect(raw('echo $HOME').text).toBe('echo $HOME');
  });

  it('secrets are quoted and remembered for masking', () => {
    const cmd = sh`login --password ${secret("p@ss w'rd")}`;
    const m = new Masker();
    cmd.secrets.forEach((s) => m.add(s));
    expect(m.mask(cmd.text)).toBe('login --password ********');
    expect(JSON.stringify({ s: secret('x') })).toBe('{"s":"********"}');
  });
});

describe('sh`` with an invalid escape', () => {
  it('refuses a part whose cooked text is undefined instead of sending an empty command', () => {
    // What `sh\`printf '\033'\`` hands the tag: cooked undefined, raw kept (ES2018 template revision).
    const strings = Object.assign([undefined as unknown as string], { raw: ["printf '\\033'"] }) as unknown as TemplateStringsArray;
    expect(() => sh(strings)).toThrow(/invalid escape sequence in "printf '\\033'"/);
  });
});
