import { z } from 'zod';
import { badRequest } from '../common/errors.js';
import { caseFields, connectorSchema, LIMITS, limitedArray, limitedString } from './schemas.js';

// The request bodies of Kibana's case configuration (reference §1.10;
// K/common/types/api/configure/v1.ts), decoded strictly with Kibana's messages, as the case
// bodies are (schemas.ts).

/** Kibana's limits of a configuration (K/common/constants/index.ts). */
export const CONFIGURE_LIMITS = {
  customFieldKey: 36,
  customFieldLabel: 50,
  templates: 10,
  templateKey: 36,
  templateName: 50,
  templateDescription: 1000,
  templateTags: 10,
  templateTag: 50,
  observableTypes: 10,
  observableTypeLabel: 50,
} as const;

export const CLOSURE_TYPES = ['close-by-user', 'close-by-pushing'] as const;

/** A key of custom fields and templates: within its length, then of Kibana's characters. */
const configKey = (max: number) =>
  limitedString('key', max).superRefine((value, ctx) => {
    if (!/^[a-z0-9_-]+$/.test(value)) ctx.addIssue({ code: 'custom', message: `Key must be lower case, a-z, 0-9, '_', and '-' are allowed` });
  });

const fieldBase = {
  key: configKey(CONFIGURE_LIMITS.customFieldKey),
  label: limitedString('label', CONFIGURE_LIMITS.customFieldLabel),
  required: z.boolean(),
};

const customFieldConfiguration = z.discriminatedUnion('type', [
  z.strictObject({ ...fieldBase, type: z.literal('text'), defaultValue: limitedString('defaultValue', LIMITS.customFieldText).nullable().optional() }),
  z.strictObject({ ...fieldBase, type: z.literal('toggle'), defaultValue: z.boolean().nullable().optional() }),
  z.strictObject({ ...fieldBase, type: z.literal('number'), defaultValue: z.number().int().refine(Number.isSafeInteger).nullable().optional() }),
]);

/** The case fields a template fills in: any of a case's, none required. */
const templateCaseFields = z.strictObject(caseFields).partial();

const template = z.strictObject({
  key: configKey(CONFIGURE_LIMITS.templateKey),
  name: limitedString('name', CONFIGURE_LIMITS.templateName),
  caseFields: templateCaseFields.nullable(),
  description: z
    .string()
    .refine((v) => v.trim().length <= CONFIGURE_LIMITS.templateDescription, { message: `The length of the description is too long. The maximum length is ${CONFIGURE_LIMITS.templateDescription}.` })
    .optional(),
  tags: limitedArray(limitedString("template's tag", CONFIGURE_LIMITS.templateTag), "template's tags", CONFIGURE_LIMITS.templateTags).optional(),
});

const observableType = z.strictObject({ key: z.string(), label: limitedString('label', CONFIGURE_LIMITS.observableTypeLabel) });

const configurable = {
  connector: connectorSchema,
  closure_type: z.enum(CLOSURE_TYPES),
  customFields: limitedArray(customFieldConfiguration, 'customFields', LIMITS.customFields),
  templates: limitedArray(template, 'templates', CONFIGURE_LIMITS.templates),
  observableTypes: limitedArray(observableType, 'observableTypes', CONFIGURE_LIMITS.observableTypes),
};

export const configurationRequest = z.strictObject({
  connector: configurable.connector,
  closure_type: configurable.closure_type,
  owner: z.string(),
  customFields: configurable.customFields.optional(),
  templates: configurable.templates.optional(),
  observableTypes: configurable.observableTypes.optional(),
});
export type ConfigurationRequest = z.output<typeof configurationRequest>;

export const configurationPatchRequest = z.strictObject({
  version: z.string(),
  connector: configurable.connector.optional(),
  closure_type: configurable.closure_type.optional(),
  customFields: configurable.customFields.optional(),
  templates: configurable.templates.optional(),
  observableTypes: configurable.observableTypes.optional(),
});
export type ConfigurationPatchRequest = z.output<typeof configurationPatchRequest>;

/** Kibana's check that keys are unique within customFields, templates (validateDuplicatedKeysInRequest). */
export function checkDuplicatedKeys(request: { customFields?: Array<{ key: string }>; templates?: Array<{ key: string }>; observableTypes?: Array<{ key: string }> }): void {
  for (const field of ['customFields', 'templates', 'observableTypes'] as const) {
    const keys = (request[field] ?? []).map((item) => item.key);
    const duplicated = [...new Set(keys.filter((key, i) => keys.indexOf(key) !== i))];
    if (duplicated.length > 0) throw badRequest(`Invalid duplicated ${field} keys in request: ${duplicated.join(',')}`);
  }
}
