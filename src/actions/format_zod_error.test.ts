import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { installZod3Messages } from '../common/zod_messages.js';
import { formatZodError } from './format_zod_error.js';

const errorOf = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a failure');
  return formatZodError(result.error);
};

describe("Kibana's zod error wording", () => {
  beforeAll(() => installZod3Messages());

  it('gives one problem as plain text naming the field', () => {
    expect(errorOf(z.object({ url: z.string() }), {})).toBe('Field "url": Required');
    expect(errorOf(z.object({ a: z.object({ b: z.number() }) }), { a: { b: 'x' } })).toBe('Field "a.b": Expected number, received string');
  });

  it('numbers several problems', () => {
    expect(errorOf(z.object({ a: z.string(), b: z.enum(['x', 'y']) }), { b: 'z' })).toBe(
      "2 errors:\n [1]: Field \"a\": Required;\n [2]: Field \"b\": Invalid enum value. Expected 'x' | 'y', received 'z'",
    );
  });

  it('lists at most five, then says how many more', () => {
    const schema = z.object(Object.fromEntries('abcdefg'.split('').map((k) => [k, z.string()])));
    const text = errorOf(schema, {});
    expect(text.startsWith('7 errors:\n [1]: Field "a": Required;')).toBe(true);
    expect(text).toContain('[5]: Field "e": Required;\n [6]: and 2 more');
    expect(text).not.toContain('Field "f"');
  });

  it('puts problems of the object itself first, unnamed', () => {
    expect(errorOf(z.strictObject({ a: z.string() }), { a: 'x', extra: 1 })).toBe("Unrecognized key(s) in object: 'extra'");
  });

  it('words sizes and formats as zod 3 did', () => {
    expect(errorOf(z.object({ s: z.string().min(2) }), { s: 'x' })).toBe('Field "s": String must contain at least 2 character(s)');
    expect(errorOf(z.object({ n: z.number().max(10) }), { n: 11 })).toBe('Field "n": Number must be less than or equal to 10');
    expect(errorOf(z.object({ l: z.array(z.string()).min(1) }), { l: [] })).toBe('Field "l": Array must contain at least 1 element(s)');
    expect(errorOf(z.object({ u: z.url() }), { u: 'nope' })).toBe('Field "u": Invalid url');
    expect(errorOf(z.object({ r: z.record(z.string(), z.string()) }), { r: 3 })).toBe('Field "r": Expected object, received number');
  });
});
