import { z } from 'zod';
import { urlAllowListValidator } from '../../actions/sub_actions.js';
import type { ValidatorContext } from '../../actions/types.js';
import { atMostKeys, jsonTextAccepted, noReservedKeys } from '../lib/record_fields.js';

// What ServiceNow ITSM, SecOps and ITOM share (reference §2): the connection (basic or OAuth
// JWT), Kibana's checks of its combinations, the incident fields common to ITSM and SecOps,
// and the sub-action params all three take.

/** The mustache default of correlation_id and message_key: one ServiceNow record per rule and alert. */
export const DEFAULT_ALERTS_GROUPING_KEY = '{{rule.id}}:{{alert.id}}';
export const MAX_ADDITIONAL_FIELDS_LENGTH = 20;

/** Where each product keeps its records, and whether it goes through the Elastic app's Import Set API. */
export interface ServiceNowProduct {
  table: string;
  importSetTable: string;
  appScope: string;
  useImportAPI: boolean;
  commentFieldKey: string;
}

export const ITSM_PRODUCT: ServiceNowProduct = {
  table: 'incident',
  importSetTable: 'x_elas2_inc_int_elastic_incident',
  appScope: 'x_elas2_inc_int',
  useImportAPI: true,
  commentFieldKey: 'work_notes',
};
export const SIR_PRODUCT: ServiceNowProduct = {
  table: 'sn_si_incident',
  importSetTable: 'x_elas2_sir_int_elastic_si_incident',
  appScope: 'x_elas2_sir_int',
  useImportAPI: true,
  commentFieldKey: 'work_notes',
};
/** ITOM writes events only, through the Event Management API: no app, no import set. */
export const ITOM_PRODUCT: ServiceNowProduct = { ...ITSM_PRODUCT, table: 'em_event', useImportAPI: false };

const nullableText = () => z.string().nullable().default(null);

const baseConfigShape = {
  apiUrl: z.string().meta({ label: 'ServiceNow instance URL', help: 'The address of your instance, e.g. https://example.service-now.com.' }),
  isOAuth: z.boolean().default(false).meta({ label: 'Use OAuth authentication', help: 'Sign in with a JWT bearer grant instead of a user name and password.' }),
  userIdentifierValue: nullableText().meta({
    label: 'User identifier',
    help: 'With OAuth: the user the token acts for, as named by the user field of the JWT provider (for example an email address).',
  }),
  clientId: nullableText().meta({ label: 'Client ID', help: 'With OAuth: the client ID of the OAuth application registry entry.' }),
  jwtKeyId: nullableText().meta({ label: 'JWT verifier key ID', help: 'With OAuth: the key ID of the JWT verifier map that checks the signature.' }),
};

/** ITOM's: no import set, so no choice of API. */
export const baseConfigSchema = z.strictObject(baseConfigShape);

export const configSchema = z.strictObject({
  ...baseConfigShape,
  // Kibana's default: a connector created over the API without the flag uses the Table API.
  usesTableApi: z.boolean().default(true).meta({
    label: 'Use the Table API',
    help: 'On, incidents are written straight to their table, as before the Elastic ServiceNow app (deprecated); off, they go through the app, which must be installed.',
  }),
});

const secret = (label: string, help: string) => nullableText().meta({ label, help, secret: true });

export const secretsSchema = z.strictObject({
  username: secret('Username', 'Without OAuth: a ServiceNow user with the rights the app documents.'),
  password: secret('Password', 'Without OAuth: the password of that user.'),
  clientSecret: secret('Client secret', 'With OAuth: the client secret of the OAuth application registry entry.'),
  privateKey: secret('Private key', 'With OAuth: the RSA private key (PEM) whose certificate the JWT verifier holds.'),
  privateKeyPassword: secret('Private key password', 'With OAuth: the passphrase of the private key, when it has one.'),
});

export type ServiceNowBaseConfig = z.output<typeof baseConfigSchema>;
export type ServiceNowConfig = z.output<typeof configSchema>;
export type ServiceNowSecrets = z.output<typeof secretsSchema>;

const missing = (field: string, isOAuth: boolean) => `${field} must be provided when isOAuth = ${isOAuth}`;
const populated = (fields: string, isOAuth: boolean) => `${fields} should not be provided with isOAuth = ${isOAuth}`;

const apiUrlAllowed = urlAllowListValidator<ServiceNowBaseConfig>('apiUrl', 'error configuring connector action');

/** Kibana's config check: apiUrl allowed, and with OAuth its three config fields present. */
export function validateServiceNowConfig(config: ServiceNowBaseConfig, ctx: ValidatorContext): void {
  apiUrlAllowed(config, ctx);
  if (!config.isOAuth) return;
  for (const field of ['userIdentifierValue', 'clientId', 'jwtKeyId'] as const) {
    if (config[field] == null) throw new Error(missing(field, true));
  }
}

/** Kibana's secrets check: some credentials, and each pair whole. */
export function validateServiceNowSecrets({ username, password, clientSecret, privateKey }: ServiceNowSecrets): void {
  if (!username && !password && !clientSecret && !privateKey) throw new Error('Either basic auth or OAuth credentials must be specified');
  if (username || password) {
    if (!username || !password) throw new Error('username and password must both be specified');
  } else if (!clientSecret || !privateKey) {
    throw new Error('clientSecret and privateKey must both be specified');
  }
}

/** Kibana's check of config and secrets together: the fields of the chosen authentication, and none of the other's. */
export function validateServiceNowConnector(config: ServiceNowBaseConfig, secrets: ServiceNowSecrets): string | null {
  const { isOAuth, userIdentifierValue, clientId, jwtKeyId } = config;
  const { username, password, clientSecret, privateKey } = secrets;
  if (isOAuth) {
    const required = { userIdentifierValue, clientId, jwtKeyId, clientSecret, privateKey };
    const absent = Object.entries(required).find(([, value]) => value == null);
    if (absent) return missing(absent[0], true);
    if (username || password) return populated('Username and password', true);
    return null;
  }
  if (username == null) return missing('username', false);
  if (password == null) return missing('password', false);
  if (clientSecret || clientId || userIdentifierValue || jwtKeyId || privateKey) {
    return populated('clientId, clientSecret, userIdentifierValue, jwtKeyId and privateKey', false);
  }
  return null;
}

/** The validators every ServiceNow type has. */
export const serviceNowValidators = {
  config: validateServiceNowConfig,
  secrets: validateServiceNowSecrets,
  connector: validateServiceNowConnector,
};

/**
 * Kibana's is_deprecated of a ServiceNow ITSM or SecOps connector: one on the Table API (a
 * config without the flag predates it, and so used that API too).
 */
export function usesDeprecatedTableApi(config: unknown): boolean {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return false;
  return !Object.hasOwn(config, 'usesTableApi') || Boolean((config as { usesTableApi?: unknown }).usesTableApi);
}


const COMMON_INCIDENT_KEYS = [
  'short_description',
  'description',
  'externalId',
  'category',
  'subcategory',
  'correlation_id',
  'correlation_display',
  'additional_fields',
];

const additionalFields = jsonTextAccepted(
  z
    .record(z.string(), z.any())
    .superRefine(noReservedKeys(COMMON_INCIDENT_KEYS, 'additional_fields'))
    .superRefine(atMostKeys(MAX_ADDITIONAL_FIELDS_LENGTH, 'additional_fields')),
)
  .nullable()
  .default(null);

const label = (text: string, help?: string) => (help ? { label: text, help } : { label: text });

/** The incident fields of ITSM and SecOps, in Kibana's order. */
export const commonIncidentShape = {
  short_description: z.string().meta(label('Short description')),
  description: nullableText().meta(label('Description')),
  externalId: nullableText().meta(label('Incident sys_id', 'The incident to update; none creates one.')),
  category: nullableText().meta(label('Category')),
  subcategory: nullableText().meta(label('Subcategory')),
  correlation_id: z
    .string()
    .nullable()
    .default(DEFAULT_ALERTS_GROUPING_KEY)
    .meta(label('Correlation ID', 'Identifies the incident for later updates and closing; by default one incident per rule and alert.')),
  correlation_display: nullableText().meta(label('Correlation display', 'Names the source of the correlation, e.g. Elastic Alert.')),
  additional_fields: additionalFields.meta(
    label('Additional fields', 'Other fields of the Elastic app, as a JSON object of field name to value (at most 20); not with the Table API.'),
  ),
};

export const commentsSchema = z
  .array(z.strictObject({ comment: z.string(), commentId: z.string() }))
  .nullable()
  .default(null)
  .meta(label('Comments', 'Each is written to the work notes of the incident, one update per comment.'));

export const getChoicesParamsSchema = z.strictObject({
  fields: z.array(z.string()).meta(label('Fields', 'The fields whose choices to list, e.g. priority or category.')),
});
export const getIncidentParamsSchema = z.strictObject({ externalId: z.string().meta(label('Incident sys_id')) });
/** Kibana reserves it; it is in the params but not a sub-action a run may ask for. */
export const handshakeParamsSchema = z.strictObject({});
export const getFieldsParamsSchema = z.record(z.string(), z.unknown());

/** One variant of a classic `{subAction, subActionParams}` union. */
export function subActionVariant<N extends string, S extends z.ZodType>(name: N, params: S) {
  return z.strictObject({ subAction: z.literal(name).meta(label('Sub action')), subActionParams: params });
}

/** The variants ITSM and SecOps share, in Kibana's order, with the type's own push params. */
export function incidentSubActionVariants<S extends z.ZodType>(pushParams: S) {
  return [
    subActionVariant('getFields', getFieldsParamsSchema),
    subActionVariant('getIncident', getIncidentParamsSchema),
    subActionVariant('handshake', handshakeParamsSchema),
    subActionVariant('pushToService', pushParams),
    subActionVariant('getChoices', getChoicesParamsSchema),
  ] as const;
}
