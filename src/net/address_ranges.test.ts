import { describe, expect, it } from 'vitest';
import { DeniedAddressError, DeniedAddresses } from './address_ranges.js';

describe('DeniedAddresses.rangeOf', () => {
  it('gives the same answer when asked again (answers are kept per address)', () => {
    const denied = new DeniedAddresses(['127.0.0.0/8', 'fe80::/10']);
    for (let round = 0; round < 2; round++) {
      expect(denied.rangeOf('127.0.0.1')).toBe('127.0.0.0/8');
      expect(denied.rangeOf('::ffff:127.0.0.2')).toBe('127.0.0.0/8');
      expect(denied.rangeOf('[fe80::1]')).toBe('fe80::/10');
      expect(denied.rangeOf('10.0.0.1')).toBeUndefined();
      expect(denied.rangeOf('example.com')).toBeUndefined();
      expect(() => denied.checkLiteral('127.0.0.1')).toThrow(DeniedAddressError);
      expect(() => denied.checkLiteral('10.0.0.1')).not.toThrow();
    }
  });

  it('keeps answering correctly past the number of answers it keeps', () => {
    const denied = new DeniedAddresses(['10.0.0.0/8']);
    for (let i = 0; i < 3000; i++) {
      const inside = `10.0.${i >> 8}.${i & 255}`;
      const outside = `11.0.${i >> 8}.${i & 255}`;
      expect(denied.rangeOf(inside)).toBe('10.0.0.0/8');
      expect(denied.rangeOf(outside)).toBeUndefined();
    }
    expect(denied.rangeOf('10.0.0.0')).toBe('10.0.0.0/8');
  });
});
