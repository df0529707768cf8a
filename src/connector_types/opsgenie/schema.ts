import { z } from 'zod';

export const CONNECTOR_ID = '.opsgenie';
export const CONNECTOR_NAME = 'Opsgenie';

export const SUB_ACTION = { CreateAlert: 'createAlert', CloseAlert: 'closeAlert' } as const;

/** A tag that stands for all of the rule's tags (the UI's default tags). */
export const RULE_TAGS_TEMPLATE = '{{rule.tags}}';

export const MESSAGE_NON_EMPTY = 'must be populated with a value other than just whitespace';

export const configSchema = z.strictObject({
  apiUrl: z.string().meta({
    label: 'URL',
    help: 'The Opsgenie API address, e.g. https://api.opsgenie.com or https://api.eu.opsgenie.com. A path without a trailing slash loses its last segment, as in Kibana.',
  }),
});

export const secretsSchema = z.strictObject({
  apiKey: z.string().meta({ label: 'API key', help: 'The key of an Opsgenie API integration.', secret: true }),
});

const responderType = z.enum(['team', 'user', 'escalation', 'schedule']);

const responder = z.union(
  [
    z.strictObject({ name: z.string(), type: responderType }),
    z.strictObject({ id: z.string(), type: responderType }),
    z.strictObject({ username: z.string(), type: z.literal('user') }),
  ],
  { error: 'Each responder must have a "type" (team|user|escalation|schedule) and one of "name", "id", or "username"' },
);

const visibleTarget = z.union(
  [
    z.strictObject({ name: z.string(), type: z.literal('team') }),
    z.strictObject({ id: z.string(), type: z.literal('team') }),
    z.strictObject({ id: z.string(), type: z.literal('user') }),
    z.strictObject({ username: z.string(), type: z.literal('user') }),
  ],
  { error: 'Each visible target must have a "type" (team|user) and one of "name", "id", or "username"' },
);

export const createAlertParamsSchema = z.strictObject({
  // Opsgenie keeps 130 characters; longer messages are truncated when sent rather than refused
  // here, since a template may only grow past the limit once rendered.
  message: z
    .string()
    .min(1)
    .max(15000)
    .refine((message) => message.trim() !== '', { error: MESSAGE_NON_EMPTY })
    .meta({ label: 'Message', help: 'The alert text; truncated to 130 characters when sent.' }),
  // Aliases over Opsgenie's 512 characters are replaced by their hash when sent, not refused.
  alias: z.string().optional().meta({ label: 'Alias', help: 'Identifies the alert for de-duplication and for closing it; one over 512 characters is sent as its SHA-256 hash.' }),
  description: z.string().max(15000).optional().meta({ label: 'Description', help: 'Details of the alert.' }),
  responders: z.array(responder).max(50).optional().meta({ label: 'Responders', help: 'Teams, users, escalations or schedules notified, by name, id or username.' }),
  visibleTo: z.array(visibleTarget).max(50).optional().meta({ label: 'Visible to', help: 'Teams and users who can see the alert without being notified.' }),
  actions: z.array(z.string().max(50)).max(10).optional().meta({ label: 'Actions', help: 'Custom actions offered on the alert.' }),
  tags: z.array(z.string().max(50)).max(20).optional().meta({ label: 'Tags', help: 'Tags of the alert; {{rule.tags}} gives those of the rule.' }),
  details: z.record(z.string(), z.string()).optional().meta({ label: 'Details', help: 'Custom key/value properties of the alert.' }),
  entity: z.string().max(512).optional().meta({ label: 'Entity', help: 'The domain of the alert, e.g. a server or an application.' }),
  source: z.string().max(100).optional().meta({ label: 'Source', help: 'Where the alert comes from.' }),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional().meta({ label: 'Priority', help: 'P1 (critical) to P5 (informational); Opsgenie defaults to P3.' }),
  user: z.string().max(100).optional().meta({ label: 'User', help: 'Shown as the creator of the alert.' }),
  note: z.string().max(25000).optional().meta({ label: 'Note', help: 'Added to the alert when it is created.' }),
});

export const closeAlertParamsSchema = z.strictObject({
  alias: z.string().meta({ label: 'Alias', help: 'The alias the alert was created with.' }),
  user: z.string().max(100).optional().meta({ label: 'User', help: 'Shown as who closed the alert.' }),
  source: z.string().max(100).optional().meta({ label: 'Source', help: 'Where the close request comes from.' }),
  note: z.string().max(25000).optional().meta({ label: 'Note', help: 'Added to the alert when it is closed.' }),
});

/**
 * Opsgenie's answer: `{result, took, requestId}`, or on failure `{message, errors, took,
 * requestId}`; other keys are kept. Without took and requestId the answer is not Opsgenie's.
 */
export const opsgenieResponseSchema = z.union([
  z.looseObject({ took: z.coerce.number(), requestId: z.string(), result: z.string() }),
  z.looseObject({
    took: z.coerce.number(),
    requestId: z.string(),
    message: z.string().optional(),
    result: z.string().optional(),
    errors: z.unknown().optional(),
  }),
]);

export type OpsgenieConfig = z.output<typeof configSchema>;
export type OpsgenieSecrets = z.output<typeof secretsSchema>;
export type CreateAlertParams = z.output<typeof createAlertParamsSchema>;
export type CloseAlertParams = z.output<typeof closeAlertParamsSchema>;
