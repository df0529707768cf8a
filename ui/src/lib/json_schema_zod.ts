import { z } from 'zod';
import type { JsonSchema } from '../api/types.js';
import { discriminatedUnion } from '../forms/schema.js';

// The server sends each type's schemas as the JSON Schema that zod's toJSONSchema writes. This
// turns that subset back into the zod constructs it came from (strict objects, nullable fields,
// discriminated unions, records…) rather than zod's generic fromJSONSchema, whose unions and
// nullables report "Invalid input" where the server's own schema names the field's problem.

const isNull = (s: JsonSchema) => s.type === 'null';

function union(options: z.ZodType[]): z.ZodType {
  return options.length === 1 ? options[0] : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

function alternatives(options: JsonSchema[]): z.ZodType {
  if (options.some(isNull)) return alternatives(options.filter((o) => !isNull(o))).nullable();
  const tagged = discriminatedUnion({ oneOf: options });
  if (tagged) return z.discriminatedUnion(tagged.discriminator, options.map((o) => toZod(o) as z.ZodObject) as [z.ZodObject, ...z.ZodObject[]]);
  return union(options.map(toZod));
}

function stringSchema(s: JsonSchema): z.ZodType {
  let out = z.string();
  if (s.minLength !== undefined) out = out.min(s.minLength);
  if (s.maxLength !== undefined) out = out.max(s.maxLength);
  if (s.pattern !== undefined) out = out.regex(new RegExp(s.pattern));
  return out;
}

function numberSchema(s: JsonSchema): z.ZodType {
  let out = s.type === 'integer' ? z.number().int() : z.number();
  if (s.minimum !== undefined) out = out.min(s.minimum);
  if (s.maximum !== undefined) out = out.max(s.maximum);
  if (s.exclusiveMinimum !== undefined) out = out.gt(s.exclusiveMinimum);
  if (s.exclusiveMaximum !== undefined) out = out.lt(s.exclusiveMaximum);
  return out;
}

function objectSchema(s: JsonSchema): z.ZodType {
  const extra = s.additionalProperties;
  if (!s.properties && extra && typeof extra === 'object') return z.record(z.string(), toZod(extra));
  const required = new Set<string>(s.required ?? []);
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries<JsonSchema>(s.properties ?? {})) {
    shape[name] = required.has(name) ? toZod(field) : toZod(field).optional();
  }
  return extra === false ? z.strictObject(shape) : z.looseObject(shape);
}

function arraySchema(s: JsonSchema): z.ZodType {
  let out = z.array(s.items ? toZod(s.items) : z.unknown());
  if (s.minItems !== undefined) out = out.min(s.minItems);
  if (s.maxItems !== undefined) out = out.max(s.maxItems);
  return out;
}

/** A zod schema that checks what the JSON Schema says; `{}` (a check JSON Schema cannot state) accepts anything. */
export function toZod(s: JsonSchema): z.ZodType {
  if (s.anyOf) return alternatives(s.anyOf);
  if (s.oneOf) return alternatives(s.oneOf);
  if (s.const !== undefined) return z.literal(s.const);
  if (s.enum) {
    const values = (s.enum as unknown[]).filter((v) => v !== null);
    const base = values.every((v) => typeof v === 'string') ? z.enum(values as [string, ...string[]]) : union(values.map((v) => z.literal(v as string)));
    return values.length < s.enum.length ? base.nullable() : base;
  }
  if (Array.isArray(s.type)) return alternatives(s.type.map((type: string) => ({ ...s, type })));
  switch (s.type) {
    case 'string':
      return stringSchema(s);
    case 'number':
    case 'integer':
      return numberSchema(s);
    case 'boolean':
      return z.boolean();
    case 'null':
      return z.null();
    case 'array':
      return arraySchema(s);
    case 'object':
      return objectSchema(s);
    default:
      return z.unknown();
  }
}
