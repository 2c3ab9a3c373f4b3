import { describe, expect, it } from 'vitest';
import { Masker, maskText, secretForms } from '../../src/util/mask';
import { maskSecrets, newMarkers, wrapCommand } from '../../src/connection/wrap';
import { sh, secret, MASK } from '../../src/dsl/command';
import { isSecretVarName } from '../../src/util/secret-names';

const WEIRD = `Se'cr"et\\Val$HOME-99\nsecond-line-4b`;
const LEAKS = ['cr"et', 'Val$HOME', 'second-line-4b', 'Se\'\\\'\'cr'];

function leaked(text: string): string[] {
  return LEAKS.filter((l) => text.includes(l));
}

describe('secret names', () => {
  it("Ansible's connection and become password vars are secret, ordinary names are not", () => {
    for (const n of ['ansible_password', 'ansible_become_pass', 'ansible_become_password', 'ansible_ssh_pass', 'ansible_sudo_pass', 'ansible_ssh_private_key_passphrase', 'db_password', 'API_TOKEN', 'vault_secret', 'pass']) {
      expect(isSecretVarName(n), n).toBe(true);
    }
    for (const n of ['ansible_user', 'passenger', 'bypass_cache', 'tokens', 'secretary', 'compass']) expect(isSecretVarName(n), n).toBe(false);
  });
});

describe('Masker', () => {
  it('masks secret vars of any type by their string form: numbers, bigints, booleans, arrays, objects', () => {
    const m = new Masker();
    m.addVars({ vault_thing: 987654321, big_token: 12345678901234567890n, flag_secret: false, list_token: ['alpha-1', 4242], obj_secret: { k: 'beta-2' }, plain: 'visible-3' }, ['vault_thing']);
    const text = m.mask('987654321 12345678901234567890 false alpha-1 4242 beta-2 {"k":"beta-2"} visible-3');
    expect(text).toBe(`${MASK} ${MASK} ${MASK} ${MASK} ${MASK} ${MASK} ${MASK} visible-3`);
  });

  it('masks secret() values inside any var, whatever its name', () => {
    const m = new Masker();
    m.addVars({ creds: { inner: secret('inline-zz9') } });
    expect(m.mask('x inline-zz9 y')).toBe(`x ${MASK} y`);
  });

  it('masks a value in the forms the shell, a nested sh -c and sudo wrapping give it', () => {
    const m = new Masker();
    m.add(WEIRD);
    const once = sh`printf %s ${WEIRD}`.text;
    const twice = sh`sh -c ${once}`.text;
    const sudo = wrapCommand({ command: once, reportPgid: true, become: { user: 'root', password: 'pw-xyz' } }, newMarkers()).text;
    for (const text of [once, twice, sudo, JSON.stringify({ once, twice }), JSON.stringify(WEIRD)]) {
      expect(leaked(text).length, text).toBeGreaterThan(0);
      expect(leaked(m.mask(text)), m.mask(text)).toEqual([]);
    }
  });

  it('masks each line of a multi-line secret (a --diff prefixes every line)', () => {
    const m = new Masker();
    m.add(WEIRD);
    const diff = WEIRD.split('\n').map((l) => `+w=${l}`).join('\n');
    expect(leaked(m.mask(diff))).toEqual([]);
  });

  it('lists the quoted and JSON forms among secretForms', () => {
    expect(secretForms(`a'b c`)).toEqual(expect.arrayContaining([`a'b c`, `'a'\\''b c'`, `a'\\''b c`, `a'b c`]));
    expect(secretForms('x"y\\z')).toContain('x\\"y\\\\z');
  });

  it('leaves values shorter than 3 characters alone (they would mask ordinary text)', () => {
    const m = new Masker();
    m.add('ab');
    m.add(7);
    expect(m.mask('ab 7')).toBe('ab 7');
  });

  it("maskText and the connections' maskSecrets mask every form of any-length passwords", () => {
    const cmd = sh`echo ${"p'w"}`.text;
    expect(maskText(cmd, ["p'w"])).toBe(`echo ${MASK}`);
    expect(maskSecrets(`sudo: q ${cmd}`, ['q', "p'w", undefined])).toBe(`sudo: ${MASK} echo ${MASK}`);
  });

  it('masks inside data, keys included', () => {
    const m = new Masker();
    m.add(987654321);
    expect(m.maskDeep({ a: ['x 987654321'], '987654321': 1, n: 987654321 })).toEqual({ a: [`x ${MASK}`], [MASK]: 1, n: 987654321 });
  });
});
