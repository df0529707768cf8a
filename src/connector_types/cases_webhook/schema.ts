import { z } from 'zod';
import { pushCommentsSchema } from '../lib/push_to_service.js';
import { configSchema as webhookConfigSchema, type WebhookSecrets } from '../webhook/schema.js';

export const CONNECTOR_ID = '.cases-webhook';
export const CONNECTOR_NAME = 'Webhook - Case Management';

// Authentication, TLS and headers are the webhook's own fields (Kibana shares them too).
const webhookFields = webhookConfigSchema.pick({
  headers: true,
  hasAuth: true,
  authType: true,
  certType: true,
  ca: true,
  verificationMode: true,
  accessTokenUrl: true,
  clientId: true,
  scope: true,
  additionalFields: true,
}).shape;

const ID_IN_URL = 'The external case id goes in with {{{external.system.id}}}.';

export const configSchema = z.strictObject({
  createIncidentMethod: z.enum(['post', 'put']).default('post').meta({ label: 'Create case method' }),
  createIncidentUrl: z.string().meta({ label: 'Create case URL', help: 'The API address that creates a case in the external system.' }),
  createIncidentJson: z.string().meta({
    label: 'Create case object',
    help: 'The JSON body that creates a case. Case values come already quoted as JSON: write {{{case.title}}} and {{{case.description}}} without quotes around them.',
  }),
  createIncidentResponseKey: z.string().meta({ label: 'Create case response external key', help: 'Where the case id is in the answer to the create request, as a dotted path (for example id or data.id).' }),
  getIncidentMethod: z.enum(['get', 'post']).default('get').meta({ label: 'Get case method' }),
  getIncidentUrl: z.string().meta({ label: 'Get case URL', help: `The API address that returns a case as JSON. ${ID_IN_URL}` }),
  getIncidentJson: z.string().nullable().default(null).meta({ label: 'Get case object', help: 'The JSON body of a POST get request; {{{external.system.id}}} is the case id, quoted.' }),
  getIncidentResponseExternalTitleKey: z.string().meta({ label: 'Get case response external title key', help: 'Where the case title is in the answer to the get request, as a dotted path.' }),
  viewIncidentUrl: z.string().meta({ label: 'External case view URL', help: 'The page that shows a case; {{{external.system.id}}} and {{{external.system.title}}} are the case id and title.' }),
  updateIncidentMethod: z.enum(['post', 'patch', 'put']).default('put').meta({ label: 'Update case method' }),
  updateIncidentUrl: z.string().meta({ label: 'Update case URL', help: `The API address that updates a case. ${ID_IN_URL}` }),
  updateIncidentJson: z.string().meta({ label: 'Update case object', help: 'The JSON body that updates a case, with the same case values as the create object.' }),
  createCommentMethod: z.enum(['post', 'put', 'patch']).nullable().default('put').meta({ label: 'Create comment method' }),
  createCommentUrl: z.string().nullable().default(null).meta({ label: 'Create comment URL', help: `The API address that adds a comment to a case. ${ID_IN_URL} Without it, comments are not sent.` }),
  createCommentJson: z.string().nullable().default(null).meta({ label: 'Create comment object', help: 'The JSON body that adds a comment: {{{case.comment}}} is the comment, quoted.' }),
  ...webhookFields,
});

export { secretsSchema } from '../webhook/schema.js';

const nullableText = (label: string) => z.string().nullable().default(null).meta({ label });

export const incidentSchema = z.strictObject({
  title: z.string().meta({ label: 'Title' }),
  description: nullableText('Description'),
  id: nullableText('Case ID'),
  severity: nullableText('Severity'),
  status: nullableText('Status'),
  tags: z.array(z.string()).nullable().default(null).meta({ label: 'Tags' }),
  externalId: z.string().nullable().default(null).meta({ label: 'External case id', help: 'The case to update; none creates one.' }),
});

export const pushParamsSchema = z.strictObject({
  incident: incidentSchema,
  comments: pushCommentsSchema('Added one by one once the case is created or updated.'),
});

/** Kibana's only sub-action for this type, a union of one (its messages name the discriminator). */
export const paramsSchema = z.discriminatedUnion('subAction', [
  z.strictObject({
    subAction: z.literal('pushToService').meta({ label: 'Sub action' }),
    subActionParams: pushParamsSchema,
  }),
]);

export type CasesWebhookConfig = z.output<typeof configSchema>;
export type CasesWebhookSecrets = WebhookSecrets;
export type CasesWebhookParams = z.output<typeof paramsSchema>;
export type CasesWebhookIncident = Omit<z.output<typeof incidentSchema>, 'externalId'>;
