import { z } from 'zod';
import { casePushParamsSchema } from '../lib/push_to_service.js';
import { atMostKeys, jsonTextAccepted, noReservedKeys } from '../lib/record_fields.js';

export const CONNECTOR_ID = '.resilient';
export const CONNECTOR_NAME = 'IBM Resilient';

export const SUB_ACTION = { PushToService: 'pushToService', Fields: 'getFields', IncidentTypes: 'incidentTypes', Severity: 'severity' } as const;

export const configSchema = z.strictObject({
  apiUrl: z.string().meta({ label: 'URL', help: 'The address of the IBM Resilient (IBM Security QRadar SOAR) server, e.g. https://soar.example.com.' }),
  orgId: z.string().meta({ label: 'Organization ID', help: 'The numeric id of the organization the incidents go to.' }),
});

export const secretsSchema = z.strictObject({
  apiKeyId: z.string().meta({ label: 'API key ID', help: 'The id of an API key of the organization; sent with the secret as basic authentication.', secret: true }),
  apiKeySecret: z.string().meta({ label: 'API key secret', help: 'The secret of that API key.', secret: true }),
});

const MAX_ADDITIONAL_FIELDS = 50;

/** The incident's own fields, which cannot be given again as additional fields (Kibana's list). */
const INCIDENT_FIELDS = ['name', 'description', 'externalId', 'incidentTypes', 'severityCode', 'additionalFields'];

const additionalFieldsSchema = jsonTextAccepted(
  z
    .record(z.string(), z.any())
    .superRefine(noReservedKeys(INCIDENT_FIELDS, 'additionalFields'))
    .superRefine(atMostKeys(MAX_ADDITIONAL_FIELDS, 'additionalFields'))
    .nullable()
    .default(null),
).meta({
  label: 'Additional fields',
  help: 'More incident fields by their IBM Resilient names, as a JSON object; values of select fields are checked against the field definitions.',
});

export const incidentSchema = z.strictObject({
  name: z.string().meta({ label: 'Name' }),
  description: z.string().nullable().default(null).meta({ label: 'Description' }),
  externalId: z.string().nullable().default(null).meta({ label: 'External id', help: 'The incident to update; empty creates one.' }),
  incidentTypes: z.array(z.coerce.number()).nullable().default(null).meta({ label: 'Incident types', help: 'Ids as the incident types sub-action lists them.' }),
  severityCode: z.coerce.number().nullable().default(null).meta({ label: 'Severity', help: 'An id as the severity sub-action lists them.' }),
  additionalFields: additionalFieldsSchema,
});

export const pushToServiceParamsSchema = casePushParamsSchema(incidentSchema, 'Added to the incident one at a time, in order.');

/** getFields, incidentTypes and severity take no parameters. */
export const noParamsSchema = z.strictObject({});

// IBM Resilient's answers, as far as Kibana requires fields of them; the rest is let through.

export const createdIncidentSchema = z.looseObject({ id: z.coerce.number(), create_date: z.coerce.number() });

export const incidentResponseSchema = z.looseObject({ id: z.coerce.number(), inc_last_modified_date: z.coerce.number() });

export const updateResponseSchema = z.looseObject({ success: z.boolean(), message: z.string().nullish() });

/** The answer about incident_type_ids or severity_code: the field, with its choices. */
export const choicesResponseSchema = z.looseObject({ values: z.array(z.looseObject({ value: z.coerce.number(), label: z.string() })) });

export const fieldSchema = z.looseObject({
  input_type: z.string(),
  name: z.string(),
  read_only: z.boolean(),
  required: z.string().nullable().default(null),
  text: z.string(),
  prefix: z.string().nullable().default(null),
  values: z
    .array(z.looseObject({ value: z.union([z.coerce.number(), z.string()]), label: z.string(), enabled: z.boolean(), hidden: z.boolean(), default: z.boolean() }))
    .nullable()
    .default(null),
});

export const fieldsResponseSchema = z.array(fieldSchema);

export const commentResponseSchema = z.looseObject({});

export type ResilientConfig = z.output<typeof configSchema>;
export type ResilientSecrets = z.output<typeof secretsSchema>;
export type ResilientIncident = Omit<z.output<typeof incidentSchema>, 'externalId'>;
export type ResilientPushParams = z.output<typeof pushToServiceParamsSchema>;
/** A field definition, as getFields answers it. */
export type FieldMeta = Pick<z.output<typeof fieldSchema>, 'name' | 'input_type' | 'read_only' | 'required' | 'text' | 'prefix' | 'values'>;
