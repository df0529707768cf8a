import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { labelsFingerprint } from './fingerprint.js';

/** FNV-1a 64 with BigInt, the plain definition, to check the two-halves arithmetic against. */
function fnv1a64(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('labelsFingerprint', () => {
  it("gives Grafana's test vector", () => {
    expect(labelsFingerprint({ alertname: 'alert1', lbl1: 'val1' })).toBe('fac0861a85de433a');
    expect(labelsFingerprint({ lbl1: 'val1', alertname: 'alert1' })).toBe('fac0861a85de433a');
  });

  it('is FNV-1a 64 over the sorted labels with 0xFF separators, for any bytes (ASCII or not)', () => {
    for (let i = 0; i < 400; i++) {
      const seed = createHash('sha256').update(String(i)).digest();
      const labels: Record<string, string> = {};
      // Even seeds: ASCII only (control characters included); odd ones: beyond ASCII.
      const value = (j: number) =>
        i % 2 === 0 ? String.fromCharCode(...seed.subarray(j, j + 1 + (seed[j + 2] % 12)).map((b) => b & 0x7f)) : seed.subarray(j, j + 1 + (seed[j + 2] % 12)).toString('latin1') + 'é漢';
      for (let j = 0; j < 1 + (seed[0] % 5); j++) labels[`${i % 4 === 0 ? 'L' : 'l'}${seed[j + 1]}_${j}`] = value(j);
      const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const bytes = Buffer.concat(names.flatMap((n) => [Buffer.from(n), Buffer.from([0xff]), Buffer.from(labels[n]), Buffer.from([0xff])]));
      expect(labelsFingerprint(labels)).toBe(fnv1a64(bytes));
    }
  });

  it('gives the empty label set the offset basis', () => {
    expect(labelsFingerprint({})).toBe('cbf29ce484222325');
  });
});
