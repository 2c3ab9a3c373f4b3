/** parseAddress: its shortcut for plain names and IPv4 addresses accepts only what the full patterns accept. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AddressError, HOSTNAME, IPV4, IPV6, parseAddress } from '../../src/inventory/address';

const fullCheck = (a: string): boolean => IPV4.test(a) || IPV6.test(a) || HOSTNAME.test(a);

describe('parseAddress', () => {
  it('accepts plain names and addresses, refuses what Ansible refuses', () => {
    expect(parseAddress('h001')).toEqual({ host: 'h001' });
    expect(parseAddress('127.100.0.1')).toEqual({ host: '127.100.0.1' });
    expect(parseAddress('db-1.example.com:2222')).toEqual({ host: 'db-1.example.com', port: 2222 });
    for (const bad of ['-a', 'a-', 'a..b', '_', 'a_.b', 'a b']) expect(() => parseAddress(bad), bad).toThrow(AddressError);
  });

  it('agrees with the full patterns on random names', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/);
    fc.assert(
      fc.property(name, (a) => {
        let ok: boolean;
        try {
          ok = parseAddress(a).host === a;
        } catch (e) {
          if (!(e instanceof AddressError)) throw e;
          ok = false;
        }
        expect(ok).toBe(fullCheck(a));
      }),
      { numRuns: 3000 },
    );
  });
});
