import { describe, expect, it } from 'vitest';
import type { ConnectorTypeDefinition } from '../../../src/actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../../src/actions/validation.js';
import { inputJsonSchema, type JsonSchema } from '../../../src/common/json_schema.js';
import { CONNECTOR_TYPES } from '../../../src/connector_types/index.js';
import { makeConfigurationUtilities } from '../../../src/connector_types/lib/test_context.js';
import { validateAgainst, type ConnectorSchemaKind as SchemaKind } from './validation.js';

// The forms check input in the browser against the JSON Schema the server derives from its zod
// schemas. For every type, every mistake below must read the same in the browser as in the
// server's 400, and the browser must never refuse what the server accepts.

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const SERVER: Record<SchemaKind, (def: ConnectorTypeDefinition, value: unknown) => unknown> = {
  config: (def, v) => validateConfig(def, v, ctx),
  secrets: (def, v) => validateSecrets(def, v, ctx),
  params: (def, v) => validateParams(def, v, ctx),
};

/**
 * Fields whose server schema turns text into the value first (a port number, a JSON object):
 * both sides refuse the wrong value, the server after converting it. The form's controls send
 * the value itself, never the text.
 */
const CONVERTED_ON_THE_SERVER: Record<string, string[]> = {
  '.email': ['port'],
  '.pagerduty': ['customDetails'],
  '.bedrock': ['contextWindowLength', 'temperature'],
  '.gemini': ['contextWindowLength', 'temperature'],
  '.inference': ['contextWindowLength', 'temperature'],
};

function serverMessage(def: ConnectorTypeDefinition, kind: SchemaKind, value: unknown): string | undefined {
  try {
    SERVER[kind](def, value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Values of the wrong kind for a field, to provoke each kind of message. */
function wrongValues(field: JsonSchema): unknown[] {
  const types = new Set<string>([field.type, ...(field.anyOf ?? []).map((s: JsonSchema) => s.type)].flat().filter(Boolean));
  const out: unknown[] = [];
  if (!types.has('number') && !types.has('integer')) out.push(42);
  if (!types.has('string')) out.push('text');
  if (!types.has('boolean')) out.push(true);
  if (field.enum) out.push('not-a-choice');
  if (types.has('string') && field.minLength) out.push('');
  return out;
}

function mistakes(schema: JsonSchema): unknown[] {
  const values: unknown[] = [{}, { notAField: 1 }, null, 'text'];
  for (const [name, field] of Object.entries<JsonSchema>(schema.properties ?? {})) {
    for (const wrong of wrongValues(field)) values.push({ [name]: wrong });
  }
  return values;
}

describe.each(CONNECTOR_TYPES.filter((d) => !d.isSystemActionType).map((d) => [d.id, d] as const))('%s forms', (_id, def) => {
  it.each(['config', 'secrets', 'params'] as const)('word %s mistakes as the server does', (kind) => {
    const schema = inputJsonSchema(def.schemas[kind]);
    let compared = 0;
    for (const value of mistakes(schema)) {
      const fields = value && typeof value === 'object' ? Object.keys(value) : [];
      if (fields.some((f) => CONVERTED_ON_THE_SERVER[def.id]?.includes(f))) continue;
      const browser = validateAgainst(kind, schema, value).message;
      const server = serverMessage(def, kind, value);
      // A refinement JSON Schema cannot say (a URL check, a cross-field rule) is the server's alone.
      if (browser === undefined && server !== undefined) continue;
      expect(browser, JSON.stringify(value)).toBe(server);
      if (server !== undefined) compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('accepts the test params the Test tab starts from', () => {
    if (def.testParams === undefined) return;
    expect(serverMessage(def, 'params', def.testParams)).toBeUndefined();
    expect(validateAgainst('params', inputJsonSchema(def.schemas.params), def.testParams).message).toBeUndefined();
  });
});
