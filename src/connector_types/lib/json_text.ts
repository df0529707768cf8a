import { z } from 'zod';

/**
 * Kibana's `Coerced`: as config-schema objects and records do, a JSON text is also accepted and
 * parsed before `schema` checks it; text that does not parse fails with JSON.parse's message.
 */
export function acceptingJsonText<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return value;
    }
  }, schema);
}
