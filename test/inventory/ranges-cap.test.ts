import { describe, expect, it } from 'vitest';
import { expandHostRange, MAX_RANGE_HOSTS } from '../../src/inventory/ranges';

describe('host range cap', () => {
  it('refuses a range that would build more than MAX_RANGE_HOSTS names, instead of hanging', () => {
    expect(() => expandHostRange('web[1:100000000]')).toThrow(/expands to 100000000 hosts/);
    expect(expandHostRange(`web[1:${MAX_RANGE_HOSTS}]`)).toHaveLength(MAX_RANGE_HOSTS);
  });
});
