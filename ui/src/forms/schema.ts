import type { JsonSchema } from '../api/types.js';

// Reading the JSON Schemas the server derives from its zod schemas (src/common/json_schema.ts):
// which control a property gets, its label, and what a new value starts as.

export type Section = 'config' | 'secrets' | 'params' | 'rule';

export type FieldKind =
  | 'text'
  | 'textarea'
  | 'secret'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'stringList'
  | 'record'
  | 'object'
  | 'union'
  | 'json';

export interface FieldInfo {
  kind: FieldKind;
  /** The property's schema without its `null` alternative. */
  schema: JsonSchema;
  label: string;
  help?: string;
  secret: boolean;
  /** The choices of an enum. */
  options?: string[];
}

export interface UnionInfo {
  discriminator: string;
  variants: Array<{ value: string; schema: JsonSchema }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `type: ['string', 'null']` or `anyOf: [X, {type: 'null'}]` → X; the outer label, help and default win. */
export function unwrapNullable(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  if (Array.isArray(schema.type)) {
    const types = (schema.type as string[]).filter((t) => t !== 'null');
    if (types.length === 1 && types.length < schema.type.length) return { schema: { ...schema, type: types[0] }, nullable: true };
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) {
    const rest = alternatives.filter((a: JsonSchema) => a?.type !== 'null');
    if (rest.length === 1 && rest.length < alternatives.length) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = schema;
      return { schema: { ...rest[0], ...outer }, nullable: true };
    }
  }
  return { schema, nullable: false };
}

function constOf(schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  if (typeof schema.const === 'string') return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length === 1 && typeof schema.enum[0] === 'string') return schema.enum[0];
  return undefined;
}

/** A oneOf/anyOf of objects that all fix the same property to a constant (e.g. `subAction`). */
export function discriminatedUnion(schema: JsonSchema): UnionInfo | undefined {
  const alternatives = schema.oneOf ?? schema.anyOf;
  // One variant is a union too (Kibana's types with a single sub-action): its tag is still chosen and sent.
  if (!Array.isArray(alternatives) || alternatives.length === 0) return undefined;
  if (!alternatives.every((a: JsonSchema) => isObject(a?.properties))) return undefined;
  for (const key of Object.keys(alternatives[0].properties)) {
    const values = alternatives.map((a: JsonSchema) => constOf(a.properties[key]));
    if (values.every((v: string | undefined) => v !== undefined)) {
      return { discriminator: key, variants: alternatives.map((a: JsonSchema, i: number) => ({ value: values[i]!, schema: a })) };
    }
  }
  return undefined;
}

/** The variant of a union that a value is in, by its discriminator. */
export function variantOf(union: UnionInfo, value: unknown): JsonSchema | undefined {
  const tag = isObject(value) ? value[union.discriminator] : undefined;
  return union.variants.find((v) => v.value === tag)?.schema;
}

/** `webhookUrl` → "Webhook url", `sub_action` → "Sub action". */
export function humanise(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Properties that hold prose or a document get a text area rather than a one-line field.
// (`text` alone is too vague: a Slack message but also a link's text, so the label decides.)
const LONG_NAMES = new Set(['message', 'body', 'description', 'messageHTML', 'content', 'comments']);
const LONG_LABEL = /^(message|body|description|comments?|html message)\b/i;
const LONG_HINT = /\bjson\b|\bpem\b|markdown|mrkdwn|block kit/i;

export function describeField(name: string, raw: JsonSchema): FieldInfo {
  const { schema } = unwrapNullable(raw);
  const label = typeof schema.label === 'string' ? schema.label : humanise(name);
  const help = typeof schema.help === 'string' ? schema.help : typeof schema.description === 'string' ? schema.description : undefined;
  const secret = schema.secret === true;
  const base = { schema, label, help, secret };
  if (discriminatedUnion(schema)) return { ...base, kind: 'union' };
  if (Array.isArray(schema.enum) && schema.enum.every((v: unknown) => typeof v === 'string')) {
    return { ...base, kind: 'enum', options: schema.enum };
  }
  // A string the server checks against a list it gives as `examples` (a validator words the refusal): a select of them.
  if (schema.type === 'string' && !secret && Array.isArray(schema.examples) && schema.examples.length > 0 && schema.examples.every((v: unknown) => typeof v === 'string')) {
    return { ...base, kind: 'enum', options: schema.examples };
  }
  switch (schema.type) {
    case 'string':
      if (secret) return { ...base, kind: 'secret' };
      return { ...base, kind: LONG_NAMES.has(name) || LONG_LABEL.test(label) || LONG_HINT.test(`${label} ${help ?? ''}`) ? 'textarea' : 'text' };
    case 'integer':
    case 'number':
      return { ...base, kind: 'number' };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array':
      return { ...base, kind: schema.items?.type === 'string' && !schema.items.enum ? 'stringList' : 'json' };
    case 'object':
      if (isObject(schema.properties) && Object.keys(schema.properties).length > 0) return { ...base, kind: 'object' };
      if (isObject(schema.additionalProperties) && schema.additionalProperties.type === 'string') return { ...base, kind: 'record' };
      return { ...base, kind: 'json' };
    default:
      return { ...base, kind: 'json' };
  }
}

/** The properties a form draws for an object schema (a union's come from the selected variant). */
export function propertiesOf(schema: JsonSchema): { properties: Record<string, JsonSchema>; required: string[] } {
  return {
    properties: isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {},
    required: Array.isArray(schema.required) ? schema.required : [],
  };
}

/** Whether a schema draws no field at all (e.g. `.server-log` config). */
export function hasNoFields(schema: JsonSchema): boolean {
  return !discriminatedUnion(schema) && Object.keys(propertiesOf(schema).properties).length === 0;
}

/**
 * A new value: the scalar defaults of the top-level properties (the server would apply them
 * anyway; showing them tells the user), and a union's first variant.
 */
export function initialValue(schema: JsonSchema): Record<string, unknown> {
  const union = discriminatedUnion(schema);
  if (union) return { [union.discriminator]: union.variants[0]!.value, ...initialValue(union.variants[0]!.schema) };
  const value: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(propertiesOf(schema).properties)) {
    const d = unwrapNullable(prop).schema.default;
    if (typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean') value[name] = d;
  }
  return value;
}

/** The value at a dotted path (`mappings.caseIdConfig`), undefined where any step is missing. */
export function valueAt(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), value);
}

/** The schema of the property at a dotted path, nullable objects seen through; undefined when there is none. */
export function schemaAt(schema: JsonSchema, path: string): JsonSchema | undefined {
  let at: JsonSchema | undefined = schema;
  for (const key of path.split('.')) at = at ? propertiesOf(unwrapNullable(at).schema).properties[key] : undefined;
  return at;
}

/** A copy of `value` without the property at a dotted path (the objects on the way copied too). */
export function withoutPath(value: Record<string, unknown>, path: string): Record<string, unknown> {
  const [key, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return withKey(value, key, undefined);
  const inner = value[key];
  return isObject(inner) ? { ...value, [key]: withoutPath(inner, rest.join('.')) } : value;
}

/** A copy of `value` with `key` set, or removed when `next` is undefined (absent). */
export function withKey(value: unknown, key: string, next: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = isObject(value) ? { ...value } : {};
  if (next === undefined) delete copy[key];
  else copy[key] = next;
  return copy;
}

export { isObject };
