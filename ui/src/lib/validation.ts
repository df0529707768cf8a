import { z } from 'zod';
import { formatZodError } from '../../../src/actions/format_zod_error.js';
import { installZod3Messages } from '../../../src/common/zod_messages.js';
import type { JsonSchema } from '../api/types.js';
import { toZod } from './json_schema_zod.js';

installZod3Messages();
// zod probes `new Function('')` before its first parse; under the server's CSP (no 'unsafe-eval')
// the probe fails quietly but the browser logs a violation. Without JIT nothing is probed.
z.config({ jitless: true });

/** The connector forms' kinds; `rule` is a rule type's params (its fields' messages match the server's, its prefix too). */
export type ConnectorSchemaKind = 'config' | 'secrets' | 'params';
export type SchemaKind = ConnectorSchemaKind | 'rule';

// The server's prefixes (src/actions/validation.ts), so a message reads the same from either side.
const PREFIX: Record<SchemaKind, string> = {
  config: 'error validating connector type config',
  secrets: 'error validating connector type secrets',
  params: 'error validating action params',
  rule: 'params invalid',
};

const compiled = new WeakMap<JsonSchema, z.ZodType>();

function zodOf(schema: JsonSchema): z.ZodType {
  let found = compiled.get(schema);
  if (!found) compiled.set(schema, (found = toZod(schema)));
  return found;
}

/** One problem of a value, at its full dotted path ('' for the value itself). */
export interface Issue {
  path: string;
  message: string;
}

export interface ValidationResult {
  /** The whole message, worded as the server words it; undefined when the value is valid. */
  message?: string;
  /** Each problem where it is, for the form rows (inside a union, in the variant chosen). */
  issues: Issue[];
}

/**
 * Checks a value against the JSON Schema the server derived from its zod schema, with the same
 * zod messages and the same formatting: what the server would answer for the same mistake.
 * Checks that JSON Schema cannot express are left to the server.
 */
export function validateAgainst(kind: SchemaKind, schema: JsonSchema, value: unknown): ValidationResult {
  const result = zodOf(schema).safeParse(value);
  if (result.success) return { issues: [] };
  const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  return { message: `${PREFIX[kind]}: ${formatZodError(result.error)}`, issues };
}
