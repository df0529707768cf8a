import { z } from 'zod';

// Kibana's helpers for the free-form field records of ticketing params (Jira's otherFields,
// PagerDuty's customDetails, ServiceNow's additional_fields; reference §0.6), with its messages.

/** Kibana's Coerced: a string is read as JSON first; text that does not parse fails with the parser's message. */
export function jsonTextAccepted<T extends z.ZodType>(schema: T) {
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

/** A refinement: at most `max` keys in the record. */
export function atMostKeys(max: number, fieldName: string) {
  return (record: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (Object.keys(record).length > max) {
      ctx.addIssue({ code: 'custom', message: `A maximum of ${max} ${max === 1 ? 'field' : 'fields'} in ${fieldName} can be defined at a time.` });
    }
  };
}

/** A refinement: none of the record's keys is one of `reserved` (which the params set in fields of their own). */
export function noReservedKeys(reserved: readonly string[], fieldName: string) {
  const names = new Set(reserved);
  return (record: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    for (const key of Object.keys(record)) {
      if (names.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: `The following properties cannot be defined inside ${fieldName}: ${key}.` });
    }
  };
}
