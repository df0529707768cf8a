import { z } from 'zod';

export type JsonSchema = Record<string, any>;

/**
 * A zod schema as the JSON Schema of what it accepts (defaults make fields optional), with
 * each field's `.meta()` (label, help, secret) carried along; checks JSON Schema cannot say
 * become `{}`.
 */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dropped, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}
