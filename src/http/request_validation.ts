import { z } from 'zod';
import { badRequest } from '../common/errors.js';
import { NUL_MESSAGE, pathToNul } from '../common/nul_character.js';
import { describeIssue } from '../common/config_schema_messages.js';

// Kibana validates route input with @kbn/config-schema and answers with its wording, e.g.
// `[request body.name]: expected value of type [string] but got [undefined]`. Routes here are
// validated with zod; this module words the first problem the same way.

export type RequestPart = 'body' | 'params' | 'query';

export function parseRequestPart<T>(part: RequestPart, schema: z.ZodType<T>, value: unknown): T {
  const nul = pathToNul(value);
  if (nul) throw badRequest(`[${[`request ${part}`, ...nul].join('.')}]: ${NUL_MESSAGE}`);
  // reportInput keeps the offending value on each issue, for the "but got [type]" wording.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const { path, message } = describeIssue(result.error.issues[0]);
  const where = [`request ${part}`, ...path.map(String)].join('.');
  throw badRequest(`[${where}]: ${message}`);
}

/** Kibana's `validateEmptyStrings`: no string anywhere in the value may be blank. */
function hasEmptyString(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.some(hasEmptyString);
  if (value && typeof value === 'object') return Object.values(value).some(hasEmptyString);
  return false;
}

export const EMPTY_STRING_MESSAGE = "value '' is not valid";

export const nonEmptyString = () => z.string().refine((s) => s.trim() !== '', { message: EMPTY_STRING_MESSAGE });

/** A free-form object (connector config or secrets) whose strings may not be blank. */
export const objectWithoutEmptyStrings = () =>
  z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      for (const [key, v] of Object.entries(value)) {
        if (hasEmptyString(v)) ctx.addIssue({ code: 'custom', path: [key], message: EMPTY_STRING_MESSAGE });
      }
    });
