import { z } from 'zod';

// Kibana writes sizes and durations as strings ("1mb", "60s"); numbers mean bytes and
// milliseconds. Both are normalised to plain numbers here so nothing downstream parses units.

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? 'b').toLowerCase()];
}

export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()];
}

export const byteSize = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a byte size such as "1mb", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "60s", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});
