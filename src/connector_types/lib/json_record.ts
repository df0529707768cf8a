import { z } from 'zod';

/**
 * A record that may also come as JSON text, parsed before it is checked: Kibana's config-schema
 * records and its zod `Coerced` both accept one. Unparsable text fails with the parser's message.
 */
export const jsonRecordSchema = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return value;
  }
}, z.record(z.string(), z.any()));
